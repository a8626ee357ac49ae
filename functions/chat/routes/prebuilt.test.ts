// POST /rooms/:room/messages/prebuilt: Daily Prebuilt's chat, relayed by every Backchannel client
// that saw it and stored once (docs/prebuilt.md). Each test makes the request a client, or an
// attacker, would make and asserts what comes back and what was stored.
import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  TEST_API_KEY,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  historyPageSchema,
  newMessageId,
  prebuiltDateMs,
  prebuiltMessageId,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('/rooms/:room/messages/prebuilt', () => {
  // Two messages per sender per minute: the relay quota is five times that, ten a minute.
  const chat = createChatHarness({ rateLimit: { messages: 2, windowSeconds: 60 } })
  afterAll(() => chat.close())

  /** What a client relays of a Prebuilt message, its id derived as the client derives it. */
  function relayOf(
    room: string,
    fields: Partial<Record<'sessionId' | 'name' | 'body' | 'date', string>> = {},
  ) {
    const sessionId = fields.sessionId ?? `session-${randomUUID()}`
    const name = fields.name ?? 'Pia'
    const body = fields.body ?? 'Can everyone hear me?'
    const date = fields.date ?? '1733580000000'
    const dateMs = prebuiltDateMs(date) as number
    return {
      id: prebuiltMessageId({ room, sessionId, name, body, dateMs }),
      sessionId,
      name,
      body,
      date,
    }
  }

  const relay = (room: string, token: string | undefined, body: unknown) =>
    chat.call('POST', `/rooms/${room}/messages/prebuilt`, { token, body })

  async function rows(room: string) {
    return chat.sql<{ id: string; sender_id: string; sender_name: string; body: string }[]>`
      select id::text, sender_id, sender_name, body from chat.messages where room = ${room}`
  }

  it('stores one message for three clients that relay it, answering 201 then 200 with the same message', async () => {
    const room = uniqueRoom('prebuilt')
    const clients = await Promise.all(['Ana', 'Ben', 'Cy'].map((name) => chat.member(room, name)))
    const message = relayOf(room, { sessionId: 'session-pia' })

    const statuses: number[] = []
    const answers = []
    for (const { token } of clients) {
      const response = await relay(room, token, message)
      statuses.push(response.status)
      answers.push(storedMessageSchema.parse(await response.json()))
    }

    expect(statuses).toEqual([201, 200, 200])
    expect(new Set(answers.map((answer) => answer.seq)).size).toBe(1)
    expect(answers[0]).toMatchObject({
      id: message.id,
      sender: { id: 'prebuilt:session-pia', name: 'Pia' },
      body: 'Can everyone hear me?',
    })
    expect(await rows(room)).toEqual([
      {
        id: message.id,
        sender_id: 'prebuilt:session-pia',
        sender_name: 'Pia',
        body: 'Can everyone hear me?',
      },
    ])
  })

  it('stores one message when the three relays arrive at once', async () => {
    const room = uniqueRoom('prebuilt')
    const clients = await Promise.all(['Ana', 'Ben', 'Cy'].map((name) => chat.member(room, name)))
    const message = relayOf(room)

    const responses = await Promise.all(clients.map(({ token }) => relay(room, token, message)))

    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 201])
    expect(await rows(room)).toHaveLength(1)
  })

  it('takes the date as ms since 1970 and as ISO, the same instant making the same id', async () => {
    const room = uniqueRoom('prebuilt')
    const { token } = await chat.member(room)
    const epoch = relayOf(room, { sessionId: 's1', date: '1733580000000' })
    const iso = relayOf(room, { sessionId: 's1', date: '2024-12-07T14:00:00.000Z' })
    expect(iso.id).toBe(epoch.id)

    expect((await relay(room, token, epoch)).status).toBe(201)
    expect((await relay(room, token, iso)).status).toBe(200)
    expect(await rows(room)).toHaveLength(1)
  })

  it('shows the stored message in the history of everyone in the room', async () => {
    const room = uniqueRoom('prebuilt')
    const ana = await chat.member(room, 'Ana')
    const ben = await chat.member(room, 'Ben')
    await relay(
      room,
      ana.token,
      relayOf(room, { sessionId: 'session-pia', body: 'Hi from Prebuilt' }),
    )

    const response = await chat.call('GET', `/rooms/${room}/messages`, { token: ben.token })

    expect(historyPageSchema.parse(await response.json()).messages).toMatchObject([
      { body: 'Hi from Prebuilt', sender: { id: 'prebuilt:session-pia', name: 'Pia' } },
    ])
  })

  describe('refuses, storing nothing,', () => {
    it.each([
      ['another text', { body: 'Send me your password' }],
      ['another name', { name: 'Ana' }],
      ['another session', { sessionId: 'session-ana' }],
      ['another date', { date: '1733580009999' }],
    ])(
      'an id derived for %s than the one relayed (400 invalid_prebuilt_id)',
      async (_case, change) => {
        const room = uniqueRoom('prebuilt')
        const { token } = await chat.member(room)
        const seen = relayOf(room, { sessionId: 'session-pia' })

        const response = await relay(room, token, { ...seen, ...change })

        const error = await expectError(response, 400, 'invalid_prebuilt_id')
        expect(error.fields?.id?.[0]).toContain('prebuiltMessageId')
        expect(await rows(room)).toEqual([])
      },
    )

    it("an id made for the relaying person's own messages, or a random one", async () => {
      const room = uniqueRoom('prebuilt')
      const { token } = await chat.member(room)
      const seen = relayOf(room)

      await expectError(
        await relay(room, token, { ...seen, id: chat.newIdFor(token) }),
        400,
        'invalid_prebuilt_id',
      )
      await expectError(
        await relay(room, token, { ...seen, id: randomUUID() }),
        400,
        'invalid_prebuilt_id',
      )
      expect(await rows(room)).toEqual([])
    })

    it('an id derived for another room', async () => {
      const room = uniqueRoom('prebuilt')
      const { token } = await chat.member(room)
      const elsewhere = relayOf(uniqueRoom('other'))

      await expectError(await relay(room, token, elsewhere), 400, 'invalid_prebuilt_id')
    })

    it.each([
      ['a text over 4,000 characters', { body: 'x'.repeat(4001) }, 'body'],
      ['an empty text', { body: '   ' }, 'body'],
      ['a date in neither form', { date: 'yesterday' }, 'date'],
      ['a name that is reserved', { name: 'Room' }, 'name'],
      ['a session id with control characters', { sessionId: 'a\u0000b' }, 'sessionId'],
    ])('%s (400 invalid_input on the field)', async (_case, change, field) => {
      const room = uniqueRoom('prebuilt')
      const { token } = await chat.member(room)

      const response = await relay(room, token, { ...relayOf(room), ...change })

      const error = await expectError(response, 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toContain(field)
      expect(await rows(room)).toEqual([])
    })

    it('a relay by someone blocked in the room (403 sender_blocked): no sending in another name', async () => {
      const room = uniqueRoom('prebuilt')
      const mallory = await chat.member(room, 'Mallory')
      await chat.sql`
        insert into chat.blocked_senders (sender_id, room, reason)
        values (${mallory.user.id}, ${room}, 'spam')`

      const error = await expectError(
        await relay(room, mallory.token, relayOf(room)),
        403,
        'sender_blocked',
      )
      expect(error.message).toContain('spam')
      expect(await rows(room)).toEqual([])
    })

    it('a Prebuilt session that ops blocked (403 sender_blocked)', async () => {
      const room = uniqueRoom('prebuilt')
      const { token } = await chat.member(room)
      await chat.sql`
        insert into chat.blocked_senders (sender_id, room, reason)
        values ('prebuilt:session-troll', ${room}, 'trolling')`

      const response = await relay(room, token, relayOf(room, { sessionId: 'session-troll' }))

      await expectError(response, 403, 'sender_blocked')
      expect(await rows(room)).toEqual([])
    })

    it('a relay without a token (401)', async () => {
      const room = uniqueRoom('prebuilt')
      await expectError(await relay(room, undefined, relayOf(room)), 401, 'missing_token')
      expect(await rows(room)).toEqual([])
    })

    it('a relay while chat is off in the room (403 chat_off)', async () => {
      const room = uniqueRoom('prebuilt')
      const owner = await chat.tokenFor(room, 'Olga', { owner: true })
      const off = await chat.call('PUT', `/rooms/${room}/settings`, {
        token: owner,
        body: { send: 'nobody', slowModeSeconds: 0, privateMessages: true },
      })
      expect(off.status).toBe(200)

      await expectError(await relay(room, owner, relayOf(room)), 403, 'chat_off')
      expect(await rows(room)).toEqual([])
    })

    it('a relay while only owners may send, even by an owner: nothing says the Prebuilt sender is one', async () => {
      const room = uniqueRoom('prebuilt')
      const owner = await chat.tokenFor(room, 'Olga', { owner: true })
      await chat.call('PUT', `/rooms/${room}/settings`, {
        token: owner,
        body: { send: 'owners', slowModeSeconds: 0, privateMessages: true },
      })

      await expectError(await relay(room, owner, relayOf(room)), 403, 'owners_only')
      expect(await rows(room)).toEqual([])
    })
  })

  it('stops a flood of made-up Prebuilt messages at the relay quota (429 with Retry-After)', async () => {
    const room = uniqueRoom('prebuilt')
    const { token } = await chat.member(room, 'Mallory')

    // Each under a new session, so that no Prebuilt sender's own rate limit is met.
    for (let i = 0; i < 10; i++) {
      expect((await relay(room, token, relayOf(room, { body: `flood ${i}` }))).status).toBe(201)
    }
    const response = await relay(room, token, relayOf(room, { body: 'flood 10' }))

    const error = await expectError(response, 429, 'rate_limited')
    expect(error.message).toContain('relaying Daily Prebuilt messages too quickly')
    expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0)
    expect(await rows(room)).toHaveLength(10)
  })

  it("holds one Prebuilt sender to the room's rate limit, like anyone", async () => {
    const room = uniqueRoom('prebuilt')
    const relayers = await Promise.all(['Ana', 'Ben', 'Cy'].map((name) => chat.member(room, name)))
    const [first, second, third] = relayers.map(({ token }) => token)

    expect(
      (await relay(room, first, relayOf(room, { sessionId: 's-pia', body: '1' }))).status,
    ).toBe(201)
    expect(
      (await relay(room, second, relayOf(room, { sessionId: 's-pia', body: '2' }))).status,
    ).toBe(201)
    const thirdAnswer = await relay(room, third, relayOf(room, { sessionId: 's-pia', body: '3' }))

    await expectError(thirdAnswer, 429, 'rate_limited')
  })

  it("refuses a token whose user id takes the Prebuilt senders' prefix (401 invalid_token)", async () => {
    const room = uniqueRoom('prebuilt')
    const now = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({ r: room, u: 'Pia', ud: 'prebuilt:session-pia' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(TEST_API_KEY))

    const response = await chat.call('POST', `/rooms/${room}/messages`, {
      token,
      body: { id: newMessageId('prebuilt:session-pia'), body: 'I am Pia on Prebuilt' },
    })

    const error = await expectError(response, 401, 'invalid_token')
    expect(error.message).toContain('user id (ud)')
    expect(await rows(room)).toEqual([])
  })
})

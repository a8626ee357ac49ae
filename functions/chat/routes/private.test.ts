// Private messages over HTTP, played as the people involved and as everyone else trying to learn
// of them: Ana writes to Ben privately; Cy (a member) and the host (an owner) go through every
// route that reads, answers or acts on a message, and each answers them exactly as it answers for
// an id that never existed. Ana and Ben see it everywhere, marked as private.
import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom, userIdOf } from '../../../test/chat-harness.ts'
import {
  changesPageSchema,
  DEFAULT_ROOM_SETTINGS,
  historyPageSchema,
  searchPageSchema,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('private messages', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  async function setup() {
    const room = uniqueRoom('private')
    const ana = await chat.tokenFor(room, 'Ana')
    const ben = await chat.tokenFor(room, 'Ben')
    const cy = await chat.tokenFor(room, 'Cy')
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const send = async (token: string, body: Record<string, unknown>) => {
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), ...body },
      })
      expect(response.status).toBe(201)
      return storedMessageSchema.parse(await response.json())
    }
    // The private one is the room's first message: nothing before it to hide behind.
    const secret = await send(ana, {
      body: 'Ben, the password is swordfish',
      to: userIdOf(ben),
      toName: 'Ben',
    })
    const open = await send(ana, { body: 'Hello everyone' })
    const get = (token: string, path: string) =>
      chat.call('GET', `/rooms/${room}${path}`, { token })
    return { room, ana, ben, cy, host, secret, open, send, get }
  }

  /** The answer to the same request about an id nobody ever used: what Cy must get instead. */
  async function unknownAnswer(response: Response) {
    return { status: response.status, json: await response.json() }
  }

  it('is stored for the two of them and marked as private', async () => {
    const { ben, secret, get } = await setup()
    expect(secret).toMatchObject({ to: userIdOf(ben), toName: 'Ben' })
    const page = historyPageSchema.parse(await (await get(ben, '/messages')).json())
    expect(page.messages.map((m) => [m.body, m.to])).toEqual([
      ['Ben, the password is swordfish', userIdOf(ben)],
      ['Hello everyone', undefined],
    ])
    const [row] =
      await chat.sql`select recipient_id from chat.messages where id = ${secret.id}::uuid`
    expect(row?.recipient_id).toBe(userIdOf(ben))
  })

  it('never reaches anyone else: history, paging, one message, changes, search', async () => {
    const { room, cy, host, secret, open, get } = await setup()
    for (const reader of [cy, host]) {
      const page = historyPageSchema.parse(await (await get(reader, '/messages')).json())
      expect(page.messages.map((m) => m.body)).toEqual(['Hello everyone'])
      expect(page.hasMore).toBe(false)
      // Gap filling from the beginning does not stall on the hidden seq, nor show it.
      const after = historyPageSchema.parse(
        await (await get(reader, '/messages?after=0&limit=1')).json(),
      )
      expect(after.messages.map((m) => m.id)).toEqual([open.id])
      expect(after.hasMore).toBe(false)
      const before = historyPageSchema.parse(
        await (await get(reader, `/messages?before=${open.seq}`)).json(),
      )
      expect(before).toMatchObject({ messages: [], hasMore: false })

      const unknownId = chat.newIdFor(reader)
      expect(await unknownAnswer(await get(reader, `/messages/${secret.id}`))).toEqual(
        await unknownAnswer(await get(reader, `/messages/${unknownId}`)),
      )

      const changes = changesPageSchema.parse(await (await get(reader, '/changes?since=0')).json())
      expect(changes.changes.map((c) => (c.type === 'message' ? c.message.id : c.id))).toEqual([
        open.id,
      ])
      // The room's first message, for them, is the first they may see.
      expect(changes.firstSeq).toBe(open.seq)

      const found = searchPageSchema.parse(await (await get(reader, '/search?q=swordfish')).json())
      expect(found.messages).toEqual([])
    }
    const [count] =
      await chat.sql`select count(*)::int as n from chat.messages where room = ${room}`
    expect(count?.n).toBe(2)
  })

  it('takes its place on the newest page of its two people only, even when all ask at once', async () => {
    const { ana, ben, cy, send, get } = await setup()
    // The setup's private message is now far below a full page of messages for everyone.
    for (let n = 1; n <= 55; n += 1) await send(ana, { body: `update ${n}` })
    const recent = await send(ben, { body: 'Ana, call me', to: userIdOf(ana) })
    await send(ana, { body: 'update 56' })

    const newestPage = async (token: string) =>
      historyPageSchema.parse(await (await get(token, '/messages')).json())
    const [forBen, forCy, forAna] = await Promise.all([
      newestPage(ben),
      newestPage(cy),
      newestPage(ana),
    ])
    for (const page of [forBen, forAna]) {
      expect(page.messages).toHaveLength(50)
      expect(page.hasMore).toBe(true)
      expect(page.messages.map((m) => m.body).slice(-3)).toEqual([
        'update 55',
        'Ana, call me',
        'update 56',
      ])
      expect(page.messages.map((m) => m.body)).not.toContain('Ben, the password is swordfish')
    }
    expect(forCy.messages).toHaveLength(50)
    expect(forCy.messages.map((m) => m.id)).not.toContain(recent.id)
    expect(forCy.messages.map((m) => m.body).slice(-2)).toEqual(['update 55', 'update 56'])
    expect(forCy.revision).toBe(forBen.revision)
  })

  it('cannot be reacted to, replied to, reported, edited or deleted by anyone else', async () => {
    const { room, cy, host, secret } = await setup()
    const unknownId = chat.newIdFor(cy)
    const both = async (
      method: string,
      path: (id: string) => string,
      token: string,
      body?: unknown,
    ) => {
      const call = (id: string) => chat.call(method, `/rooms/${room}${path(id)}`, { token, body })
      return [
        await unknownAnswer(await call(secret.id)),
        await unknownAnswer(await call(unknownId)),
      ] as const
    }
    for (const token of [cy, host]) {
      const [reacted, reactedUnknown] = await both(
        'PUT',
        (id) => `/messages/${id}/reactions/👍`,
        token,
      )
      expect(reacted).toEqual(reactedUnknown)
      expect(reacted.status).toBe(404)
      const [reported, reportedUnknown] = await both(
        'POST',
        (id) => `/messages/${id}/reports`,
        token,
        {
          reason: 'curious',
        },
      )
      expect(reported).toEqual(reportedUnknown)
      const [edited, editedUnknown] = await both('PATCH', (id) => `/messages/${id}`, token, {
        body: 'mine now',
      })
      expect(edited).toEqual(editedUnknown)
      expect(edited.status).toBe(404)
      const [deleted, deletedUnknown] = await both('DELETE', (id) => `/messages/${id}`, token)
      expect(deleted).toEqual(deletedUnknown)
      expect(deleted.status).toBe(404)

      const replyToSecret = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), body: 'answering', replyTo: secret.id },
      })
      const replyToUnknown = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), body: 'answering', replyTo: unknownId },
      })
      expect(await unknownAnswer(replyToSecret)).toEqual(await unknownAnswer(replyToUnknown))
    }
    const [row] = await chat.sql`
      select body, deleted_at, (select count(*)::int from chat.reactions where message_id = id) as reactions,
             (select count(*)::int from chat.reports where message_id = id) as reports
      from chat.messages where id = ${secret.id}::uuid`
    expect(row).toEqual({
      body: 'Ben, the password is swordfish',
      deleted_at: null,
      reactions: 0,
      reports: 0,
    })
  })

  it('lets Ben react, report and reply privately to Ana, but not publicly', async () => {
    const { room, ana, ben, secret, send } = await setup()
    const reacted = await chat.call('PUT', `/rooms/${room}/messages/${secret.id}/reactions/👍`, {
      token: ben,
    })
    expect(reacted.status).toBe(200)
    const publicReply = await chat.call('POST', `/rooms/${room}/messages`, {
      token: ben,
      body: { id: chat.newIdFor(ben), body: 'thanks!', replyTo: secret.id },
    })
    const error = await expectError(publicReply, 400, 'invalid_reply')
    expect(error.message).toMatch(/stays private/)
    const reply = await send(ben, { body: 'thanks!', replyTo: secret.id, to: userIdOf(ana) })
    expect(reply).toMatchObject({ to: userIdOf(ana), replyTo: secret.id })
  })

  it('is in the transcripts of the two of them, marked, and in nobody else’s', async () => {
    const { room, ana, ben, cy } = await setup()
    const transcript = async (token: string, format: string) =>
      (await chat.call('GET', `/rooms/${room}/transcript?format=${format}`, { token })).text()
    for (const token of [ana, ben]) {
      const markdown = await transcript(token, 'md')
      expect(markdown).toContain('(private to Ben)')
      expect(markdown).toContain('swordfish')
    }
    expect(await transcript(cy, 'md')).not.toContain('swordfish')
    expect(await transcript(cy, 'json')).not.toContain('swordfish')
    expect(await transcript(cy, 'md')).toContain('1 message.')
  })

  it('refuses a private message to oneself, toName without to, a bad recipient, and when turned off', async () => {
    const { room, ana, ben, host } = await setup()
    const post = (body: Record<string, unknown>) =>
      chat.call('POST', `/rooms/${room}/messages`, {
        token: ana,
        body: { id: chat.newIdFor(ana), body: 'psst', ...body },
      })
    const self = await expectError(await post({ to: userIdOf(ana) }), 400, 'invalid_input')
    expect(self.fields).toEqual({ to: [expect.stringMatching(/someone else/)] })
    const nameAlone = await expectError(await post({ toName: 'Ben' }), 400, 'invalid_input')
    expect(Object.keys(nameAlone.fields ?? {})).toEqual(['toName'])
    for (const to of ['', 'x'.repeat(129), 'ben\u0000', 42]) {
      const bad = await expectError(await post({ to }), 400, 'invalid_input')
      expect(Object.keys(bad.fields ?? {})).toEqual(['to'])
    }

    await chat.call('PUT', `/rooms/${room}/settings`, {
      token: host,
      body: { ...DEFAULT_ROOM_SETTINGS, privateMessages: false },
    })
    const off = await expectError(await post({ to: userIdOf(ben) }), 403, 'private_off')
    expect(off.message).toBe('Private messages are turned off in this room.')
    expect((await post({})).status).toBe(201)
  })
})

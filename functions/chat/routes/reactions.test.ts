import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  GENEROUS_QUOTAS,
  ownDatabase,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  type ChatUser,
  changesPageSchema,
  historyPageSchema,
  type StoredMessage,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

const MESSAGE_KEYS = [
  'attachments',
  'body',
  'createdAt',
  'id',
  'reactions',
  'room',
  'sender',
  'seq',
]
/** 21 different emoji: one more than a message may carry. */
const EMOJI = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩']

describe('/rooms/:room/messages/:id/reactions/:emoji', () => {
  // A database of its own: the retention test purges every room's expired messages, which would
  // take other files' (aged on purpose) rows from under them.
  const database = ownDatabase('reactions')
  const chat = createChatHarness(
    {
      quotas: { ...GENEROUS_QUOTAS, reaction: { count: 1000, windowSeconds: 3600 } },
    },
    database.url,
  )
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  type Member = { room: string; user: ChatUser; token: string }

  async function member(room = uniqueRoom('react'), name = 'Ana'): Promise<Member> {
    const user: ChatUser = { id: randomUUID(), name }
    const { token } = await chat.deps.tokens.mint(room, user)
    return { room, user, token }
  }

  const reactionPath = (room: string, id: string, emoji: string) =>
    `/rooms/${room}/messages/${id}/reactions/${encodeURIComponent(emoji)}`

  const react = (who: Member, id: string, emoji: string, room = who.room) =>
    chat.call('PUT', reactionPath(room, id, emoji), { token: who.token })

  const unreact = (who: Member, id: string, emoji: string, room = who.room) =>
    chat.call('DELETE', reactionPath(room, id, emoji), { token: who.token })

  /** A stored message, checked against the protocol with no extra keys and reactions present. */
  async function storedMessage(response: Response) {
    expect(response.status).toBe(200)
    const json = await response.json()
    expect(Object.keys(json).sort()).toEqual(MESSAGE_KEYS)
    return storedMessageSchema.required({ reactions: true }).parse(json)
  }

  async function send(who: Member, body: string): Promise<StoredMessage> {
    const response = await chat.call('POST', `/rooms/${who.room}/messages`, {
      token: who.token,
      body: { id: chat.newIdFor(who.token), body },
    })
    expect(response.status).toBe(201)
    return response.json()
  }

  async function history(who: Member) {
    const response = await chat.call('GET', `/rooms/${who.room}/messages`, { token: who.token })
    expect(response.status).toBe(200)
    return historyPageSchema.parse(await response.json())
  }

  async function changes(who: Member, since: number) {
    const response = await chat.call('GET', `/rooms/${who.room}/changes?since=${since}`, {
      token: who.token,
    })
    expect(response.status).toBe(200)
    return changesPageSchema.parse(await response.json())
  }

  async function rows(messageId: string) {
    return chat.sql<{ emoji: string; user_id: string }[]>`
      select emoji, user_id from chat.reactions where message_id = ${messageId}::uuid
      order by created_at, emoji, user_id`
  }

  describe('PUT', () => {
    it('adds one reaction per person and emoji: twice is once; counts and who, in order', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const sent = await send(ben, 'ship it?')
      expect(sent.reactions).toEqual([])

      const first = await storedMessage(await react(ana, sent.id, '👍'))
      expect(first.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [ana.user.id] }])
      const again = await storedMessage(await react(ana, sent.id, '👍'))
      expect(again.reactions).toEqual(first.reactions)
      expect(await rows(sent.id)).toHaveLength(1)

      await react(ben, sent.id, '🎉')
      const both = await storedMessage(await react(ben, sent.id, '👍'))
      expect(both.reactions).toEqual([
        { emoji: '👍', count: 2, userIds: [ana.user.id, ben.user.id] },
        { emoji: '🎉', count: 1, userIds: [ben.user.id] },
      ])
      expect({ ...both, reactions: [] }).toEqual({ ...sent, reactions: [] })
    })

    it('takes skin tones, flags, keycaps and ZWJ sequences; ❤ and ❤️ are one reaction', async () => {
      const ana = await member()
      const sent = await send(ana, 'emoji')
      for (const emoji of ['👍🏽', '🇫🇷', '#️⃣', '🏳️‍🌈', '❤']) {
        expect((await react(ana, sent.id, emoji)).status).toBe(200)
      }
      const last = await storedMessage(await react(ana, sent.id, '❤️'))
      expect(last.reactions.map((reaction) => reaction.emoji)).toEqual([
        '👍🏽',
        '🇫🇷',
        '#️⃣',
        '🏳️‍🌈',
        '❤️',
      ])
      expect(last.reactions.at(-1)?.count).toBe(1)
    })
  })

  describe('what the function returns carries reactions', () => {
    it('in history, one message, changes by revision, edits and the transcript', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const id = chat.newIdFor(ana.token)
      const post = () =>
        chat.call('POST', `/rooms/${ana.room}/messages`, {
          token: ana.token,
          body: { id, body: 'react to me' },
        })
      expect((await post()).status).toBe(201)
      const before = (await history(ben)).revision

      await react(ben, id, '😮')
      const expected = [{ emoji: '😮', count: 1, userIds: [ben.user.id] }]

      const page = await history(ana)
      expect(page.messages.map((m) => m.reactions)).toEqual([expected])
      expect(page.revision).toBeGreaterThan(before)
      const one = await chat.call('GET', `/rooms/${ana.room}/messages/${id}`, { token: ana.token })
      expect((await storedMessage(one)).reactions).toEqual(expected)

      // Someone who read the room before the reaction catches up on it by revision.
      const caughtUp = await changes(ana, before)
      expect(caughtUp.changes).toEqual([
        { type: 'message', message: expect.objectContaining({ id, reactions: expected }) },
      ])
      expect((await changes(ana, caughtUp.revision)).changes).toEqual([])

      const edited = await chat.call('PATCH', `/rooms/${ana.room}/messages/${id}`, {
        token: ana.token,
        body: { body: 'react to this' },
      })
      expect(((await edited.json()) as StoredMessage).reactions).toEqual(expected)
      const transcript = await chat.call('GET', `/rooms/${ana.room}/transcript?format=json`, {
        token: ana.token,
      })
      const json = (await transcript.json()) as { messages: StoredMessage[] }
      expect(json.messages.map((m) => m.reactions)).toEqual([expected])
    })

    it('answers a retried send with the reactions given meanwhile', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const body = { id: chat.newIdFor(ana.token), body: 'sent twice' }
      const post = () =>
        chat.call('POST', `/rooms/${ana.room}/messages`, { token: ana.token, body })
      expect((await post()).status).toBe(201)
      await react(ben, body.id, '🙏')
      const retried = await post()
      expect(retried.status).toBe(200)
      expect(((await retried.json()) as StoredMessage).reactions).toEqual([
        { emoji: '🙏', count: 1, userIds: [ben.user.id] },
      ])
    })

    it('does not bump the revision for a reaction that was already there or never was', async () => {
      const ana = await member()
      const sent = await send(ana, 'still')
      await react(ana, sent.id, '👍')
      const revision = (await history(ana)).revision
      expect((await react(ana, sent.id, '👍')).status).toBe(200)
      expect((await unreact(ana, sent.id, '🎉')).status).toBe(204)
      expect((await changes(ana, revision)).changes).toEqual([])
    })
  })

  describe('DELETE', () => {
    it("takes back only one's own reaction; none to take back is 204 too", async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const sent = await send(ben, 'vote')
      await react(ana, sent.id, '👍')
      await react(ben, sent.id, '👍')
      const revision = (await history(ana)).revision

      // Ben cannot take Ana's away: his DELETE removes his own, and only his.
      const benRemoves = await unreact(ben, sent.id, '👍')
      expect(benRemoves.status).toBe(204)
      expect(await benRemoves.text()).toBe('')
      expect((await unreact(ben, sent.id, '👍')).status).toBe(204)
      expect(await rows(sent.id)).toEqual([{ emoji: '👍', user_id: ana.user.id }])
      const { changes: seen } = await changes(ana, revision)
      expect(seen).toEqual([
        {
          type: 'message',
          message: expect.objectContaining({
            reactions: [{ emoji: '👍', count: 1, userIds: [ana.user.id] }],
          }),
        },
      ])

      expect((await unreact(ana, sent.id, '👍')).status).toBe(204)
      expect((await history(ben)).messages[0]?.reactions).toEqual([])
    })
  })

  describe('as an attacker', () => {
    it.each([
      ['text', 'ok'],
      ['a letter', 'a'],
      ['a digit', '1'],
      ['two emoji', '👍👍'],
      ['an emoji and text', '👍 yes'],
      ['a control character', '👍\u0000'],
      ['a lone regional indicator', '🇫'],
      ['a zero-width joiner', '\u200d'],
      ['a long run of emoji', '😀'.repeat(40)],
    ])('refuses %s as an emoji with 400 and writes nothing', async (_, emoji) => {
      const ana = await member()
      const sent = await send(ana, 'target')
      for (const method of ['PUT', 'DELETE']) {
        const response = await chat.call(method, reactionPath(ana.room, sent.id, emoji), {
          token: ana.token,
        })
        const error = await expectError(response, 400, 'invalid_input')
        expect(error.message).toMatch(/one emoji/)
        expect(Object.keys(error.fields ?? {})).toEqual(['emoji'])
      }
      expect(await rows(sent.id)).toEqual([])
    })

    it('refuses a malformed message id with 400, and an unknown one with 404', async () => {
      const ana = await member()
      await expectError(
        await chat.call('PUT', `/rooms/${ana.room}/messages/nope/reactions/%F0%9F%91%8D`, {
          token: ana.token,
        }),
        400,
        'invalid_input',
      )
      await expectError(await react(ana, randomUUID(), '👍'), 404, 'message_not_found')
      await expectError(await unreact(ana, randomUUID(), '👍'), 404, 'message_not_found')
    })

    it('refuses a 21st different emoji with 409; the 20 stay open to everyone', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const sent = await send(ana, 'popular')
      for (const emoji of EMOJI.slice(0, 20)) {
        expect((await react(ana, sent.id, emoji)).status).toBe(200)
      }
      const error = await expectError(
        await react(ben, sent.id, EMOJI[20] as string),
        409,
        'too_many_reactions',
      )
      expect(error.message).toContain('20 different reactions')
      // One of the twenty is still fine, for someone else too.
      const joined = await storedMessage(await react(ben, sent.id, EMOJI[0] as string))
      expect(joined.reactions).toHaveLength(20)
      expect(joined.reactions[0]).toEqual({
        emoji: EMOJI[0],
        count: 2,
        userIds: [ana.user.id, ben.user.id],
      })
    })

    it('cannot get past 20 different emoji by sending two at once', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const sent = await send(ana, 'racing')
      for (const emoji of EMOJI.slice(0, 19)) await react(ana, sent.id, emoji)
      await Promise.all(Array.from({ length: 4 }, () => chat.deps.store.ping()))
      const [first, second] = await Promise.all([
        react(ana, sent.id, '🍕'),
        react(ben, sent.id, '🚀'),
      ])
      expect([first?.status, second?.status].sort()).toEqual([200, 409])
      const [count] = await chat.sql<{ n: number }[]>`
        select count(distinct emoji)::int as n from chat.reactions where message_id = ${sent.id}::uuid`
      expect(count?.n).toBe(20)
    })

    it("cannot react to another room's message, even knowing its id", async () => {
      const ana = await member()
      const mallory = await member(uniqueRoom('elsewhere'), 'Mallory')
      const sent = await send(ana, 'private room')
      await expectError(await react(mallory, sent.id, '👍'), 404, 'message_not_found')
      // With a token of one room, the other room's address is refused outright.
      await expectError(await react(mallory, sent.id, '👍', ana.room), 403, 'wrong_room')
      await expectError(
        await chat.call('PUT', reactionPath(ana.room, sent.id, '👍')),
        401,
        'missing_token',
      )
      expect(await rows(sent.id)).toEqual([])
    })

    it('cannot react to a deleted message, and its reactions never show again', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const sent = await send(ana, 'soon gone')
      await react(ben, sent.id, '😂')
      const revision = (await history(ben)).revision
      const deleted = await chat.call('DELETE', `/rooms/${ana.room}/messages/${sent.id}`, {
        token: ana.token,
      })
      expect(deleted.status).toBe(204)

      await expectError(await react(ben, sent.id, '👍'), 404, 'message_not_found')
      await expectError(await unreact(ben, sent.id, '😂'), 404, 'message_not_found')
      expect((await history(ben)).messages).toEqual([])
      expect((await changes(ben, revision)).changes).toEqual([{ type: 'deleted', id: sent.id }])
      const one = await chat.call('GET', `/rooms/${ana.room}/messages/${sent.id}`, {
        token: ben.token,
      })
      await expectError(one, 404, 'message_not_found')
    })

    it('answers 429 with Retry-After past the reaction quota, adds and removals alike', async () => {
      const tight = createChatHarness(
        { quotas: { ...chat.deps.config.quotas, reaction: { count: 3, windowSeconds: 3600 } } },
        database.url,
      )
      try {
        const room = uniqueRoom('quota')
        const ana = await tight.tokenFor(room)
        const other = await tight.tokenFor(room, 'Ben')
        const id = tight.newIdFor(ana)
        await tight.call('POST', `/rooms/${room}/messages`, {
          token: ana,
          body: { id, body: 'hi' },
        })
        const path = (emoji: string) => reactionPath(room, id, emoji)
        expect((await tight.call('PUT', path('👍'), { token: ana })).status).toBe(200)
        expect((await tight.call('DELETE', path('👍'), { token: ana })).status).toBe(204)
        expect((await tight.call('PUT', path('🎉'), { token: ana })).status).toBe(200)
        const refused = await tight.call('PUT', path('🙏'), { token: ana })
        const error = await expectError(refused, 429, 'rate_limited')
        expect(error.message).toMatch(/reacting too quickly \(at most 3 an hour\)/)
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
        await expectError(
          await tight.call('DELETE', path('🎉'), { token: ana }),
          429,
          'rate_limited',
        )
        expect((await rows(id)).map((row) => row.emoji)).toEqual(['🎉'])
        // Per person: Ben is not held back by Ana's quota.
        expect((await tight.call('PUT', path('🙏'), { token: other })).status).toBe(200)
      } finally {
        await tight.close()
      }
    })

    it('lets a blocked person take reactions back, not add any', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const sent = await send(ana, 'moderated')
      await react(ben, sent.id, '👍')
      await chat.sql`
        insert into chat.blocked_senders (sender_id, room, reason)
        values (${ben.user.id}, ${ana.room}, 'spam')`
      const error = await expectError(await react(ben, sent.id, '🎉'), 403, 'sender_blocked')
      expect(error.message).toContain('spam')
      expect((await unreact(ben, sent.id, '👍')).status).toBe(204)
      expect(await rows(sent.id)).toEqual([])
    })
  })

  describe('in the database', () => {
    it('keeps the 20-emoji limit and visible messages for writes made in Studio too', async () => {
      const ana = await member()
      const sent = await send(ana, 'studio')
      for (const emoji of EMOJI.slice(0, 20)) {
        await chat.sql`
          insert into chat.reactions (message_id, emoji, user_id) values (${sent.id}, ${emoji}, 'ops')`
      }
      await expect(
        chat.sql`insert into chat.reactions (message_id, emoji, user_id)
                 values (${sent.id}, ${EMOJI[20] as string}, 'ops')`,
      ).rejects.toMatchObject({ code: 'BCRXN' })
      await chat.sql`update chat.messages set deleted_at = now() where id = ${sent.id}::uuid`
      await expect(
        chat.sql`insert into chat.reactions (message_id, emoji, user_id)
                 values (${sent.id}, ${EMOJI[0] as string}, 'someone')`,
      ).rejects.toMatchObject({ code: 'BCRNF' })
    })

    it('removes reactions with their message when retention purges it', async () => {
      const ana = await member()
      const sent = await send(ana, 'old news')
      await react(ana, sent.id, '👍')
      await chat.sql`
        update chat.messages set created_at = now() - interval '400 days' where id = ${sent.id}::uuid`
      await chat.sql`select chat.purge_expired_messages(365)`
      expect(await rows(sent.id)).toEqual([])
    })

    it('answers a preflight for PUT from another origin', async () => {
      const ana = await member()
      const response = await chat.call('OPTIONS', reactionPath(ana.room, randomUUID(), '👍'), {
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT' },
      })
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-methods')).toContain('PUT')
    })
  })
})

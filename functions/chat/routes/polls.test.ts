import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  GENEROUS_QUOTAS,
  type HarnessMember,
  ownDatabase,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  changesPageSchema,
  historyPageSchema,
  liveEnvelopeSchema,
  type RoomSettings,
  type StoredMessage,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('polls: /rooms/:room/messages with a poll, and /rooms/:room/messages/:id/poll', () => {
  // A database of its own: the retention test purges every room's expired messages.
  const database = ownDatabase('polls')
  const chat = createChatHarness({}, database.url)
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  const owner = async (room: string, name = 'Olga'): Promise<HarnessMember> => {
    const user = { id: randomUUID(), name }
    const { token } = await chat.deps.tokens.mint(room, user, { owner: true })
    return { room, user, token }
  }

  const post = (who: HarnessMember, body: Record<string, unknown>) =>
    chat.call('POST', `/rooms/${who.room}/messages`, { token: who.token, body })

  /** Starts a poll as `who`: 201 and the stored message. */
  async function startPoll(
    who: HarnessMember,
    question = 'Lunch?',
    options = ['Pizza', 'Sushi', 'Salad'],
  ): Promise<StoredMessage> {
    const response = await post(who, {
      id: chat.newIdFor(who.token),
      body: question,
      poll: { options },
    })
    expect(response.status).toBe(201)
    return storedMessageSchema.parse(await response.json())
  }

  const pollPath = (who: HarnessMember, id: string, action: 'vote' | 'close') =>
    `/rooms/${who.room}/messages/${id}/poll/${action}`
  const vote = (who: HarnessMember, id: string, option: unknown) =>
    chat.call('PUT', pollPath(who, id, 'vote'), { token: who.token, body: { option } })
  const takeBack = (who: HarnessMember, id: string) =>
    chat.call('DELETE', pollPath(who, id, 'vote'), { token: who.token })
  const close = (who: HarnessMember, id: string) =>
    chat.call('POST', pollPath(who, id, 'close'), { token: who.token })

  /** The message a poll route answered with (200), checked against the protocol. */
  async function answered(response: Response): Promise<StoredMessage> {
    expect(response.status).toBe(200)
    return storedMessageSchema.parse(await response.json())
  }

  async function history(who: HarnessMember) {
    const response = await chat.call('GET', `/rooms/${who.room}/messages`, { token: who.token })
    expect(response.status).toBe(200)
    return historyPageSchema.parse(await response.json())
  }

  async function changes(who: HarnessMember, since: number) {
    const response = await chat.call('GET', `/rooms/${who.room}/changes?since=${since}`, {
      token: who.token,
    })
    expect(response.status).toBe(200)
    return changesPageSchema.parse(await response.json())
  }

  const settle = (room: string, token: string, settings: Partial<RoomSettings>) =>
    chat.call('PUT', `/rooms/${room}/settings`, {
      token,
      body: { send: 'everyone', slowModeSeconds: 0, privateMessages: true, ...settings },
    })

  const counts = (message: StoredMessage | undefined) =>
    message?.poll?.options.map((option) => option.votes)

  const votesOf = (id: string) =>
    chat.sql<{ user_id: string; option: number }[]>`
      select user_id, option from chat.poll_votes where message_id = ${id}::uuid order by user_id`

  describe('starting one', () => {
    it('stores the question as the text and the options with no votes; everyone reads it', async () => {
      const ana = await chat.member(uniqueRoom('poll'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana, 'Where do we eat?', ['Pizza', 'Sushi'])
      expect(poll).toMatchObject({
        body: 'Where do we eat?',
        attachments: [],
        reactions: [],
        poll: {
          options: [
            { text: 'Pizza', votes: 0 },
            { text: 'Sushi', votes: 0 },
          ],
        },
      })
      expect(poll.poll).not.toHaveProperty('myVote')
      expect(poll.poll).not.toHaveProperty('closedAt')
      expect((await history(ben)).messages).toEqual([poll])
    })

    it('keeps options trimmed, in their order, and accepts 2 to 10 of up to 100 characters', async () => {
      const ana = await chat.member(uniqueRoom('poll'))
      const ten = Array.from({ length: 10 }, (_, index) => `${index + 1}. ${'x'.repeat(90)}`)
      expect((await startPoll(ana, 'Ten?', ten)).poll?.options.map((o) => o.text)).toEqual(ten)
      const trimmed = await startPoll(ana, 'Two?', ['  Yes ', 'No'])
      expect(trimmed.poll?.options.map((o) => o.text)).toEqual(['Yes', 'No'])
    })

    it('answers a retry with the poll as stored, and a different poll under the same id 409', async () => {
      const ana = await chat.member(uniqueRoom('poll'))
      const ben = await chat.member(ana.room, 'Ben')
      const body = { id: chat.newIdFor(ana.token), body: 'Retry?', poll: { options: ['A', 'B'] } }
      expect((await post(ana, body)).status).toBe(201)
      await vote(ben, body.id, 1)
      const retried = await answered(await post(ana, body))
      expect(counts(retried)).toEqual([0, 1])
      for (const other of [
        { ...body, poll: { options: ['A', 'C'] } },
        { id: body.id, body: 'Retry?' },
      ]) {
        await expectError(await post(ana, other), 409, 'id_conflict')
      }
      const plain = { id: chat.newIdFor(ana.token), body: 'Plain' }
      expect((await post(ana, plain)).status).toBe(201)
      await expectError(
        await post(ana, { ...plain, poll: { options: ['A', 'B'] } }),
        409,
        'id_conflict',
      )
      const [stored] = await chat.sql`select count(*)::int as n from chat.polls
        where message_id in (${body.id}::uuid, ${plain.id}::uuid)`
      expect(stored).toEqual({ n: 1 })
    })

    it('keeps an edited question to 300 characters; the question may be edited within them', async () => {
      const ana = await chat.member(uniqueRoom('poll-edit'))
      const poll = await startPoll(ana)
      const editTo = (body: string) =>
        chat.call('PATCH', `/rooms/${ana.room}/messages/${poll.id}`, {
          token: ana.token,
          body: { body },
        })
      const error = await expectError(await editTo('é'.repeat(301)), 400, 'invalid_input')
      expect(error.fields?.body).toEqual([expect.stringMatching(/question is at most 300/)])
      const edited = await answered(await editTo('é'.repeat(300)))
      expect(edited).toMatchObject({ body: 'é'.repeat(300), poll: poll.poll })
      // Any other message keeps its 4,000 characters.
      const plain = await post(ana, { id: chat.newIdFor(ana.token), body: 'short' })
      const { id } = await plain.json()
      const longer = await chat.call('PATCH', `/rooms/${ana.room}/messages/${id}`, {
        token: ana.token,
        body: { body: 'x'.repeat(301) },
      })
      expect(longer.status).toBe(200)
    })

    it('takes replies like any message', async () => {
      const ana = await chat.member(uniqueRoom('poll'))
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana)
      const reply = await post(ben, {
        id: chat.newIdFor(ben.token),
        body: 'Pizza!',
        replyTo: poll.id,
      })
      expect(reply.status).toBe(201)
      expect(await reply.json()).toMatchObject({ replyTo: poll.id })
    })

    it.each([
      ['one option', { poll: { options: ['Only'] } }, 'poll.options', /2 to 10 options/],
      [
        'eleven options',
        { poll: { options: Array.from({ length: 11 }, (_, i) => `Option ${i}`) } },
        'poll.options',
        /2 to 10 options/,
      ],
      [
        'the same option twice (case and spaces aside)',
        { poll: { options: ['Yes', ' yes ', 'No'] } },
        'poll.options',
        /same/,
      ],
      [
        'an option of 101 characters',
        { poll: { options: ['x'.repeat(101), 'y'] } },
        'poll.options.0',
        /at most 100 characters/,
      ],
      ['an empty option', { poll: { options: ['  ', 'y'] } }, 'poll.options.0', /empty/],
      [
        'an option of two lines',
        { poll: { options: ['a\nb', 'y'] } },
        'poll.options.0',
        /one line/,
      ],
      [
        'a question of 301 characters',
        { body: 'q'.repeat(301), poll: { options: ['a', 'b'] } },
        'body',
        /question is at most 300 characters/,
      ],
      ['no question', { body: '', poll: { options: ['a', 'b'] } }, 'body', /empty/],
      [
        'an unknown field in the poll',
        { poll: { options: ['a', 'b'], votes: [3, 0] } },
        'poll.votes',
        /not allowed/,
      ],
    ])(
      'refuses a poll with %s: 400 naming the field, nothing stored',
      async (_, extra, field, why) => {
        const ana = await chat.member(uniqueRoom('bad-poll'))
        const id = chat.newIdFor(ana.token)
        const error = await expectError(
          await post(ana, { id, body: 'Question?', ...extra }),
          400,
          'invalid_input',
        )
        expect(error.fields?.[field]?.[0]).toMatch(why)
        const [stored] =
          await chat.sql`select count(*)::int as n from chat.messages where id = ${id}::uuid`
        expect(stored).toEqual({ n: 0 })
      },
    )

    it('refuses a poll with files, and a private poll, saying why (400)', async () => {
      const ana = await chat.member(uniqueRoom('bad-poll'))
      const ben = await chat.member(ana.room, 'Ben')
      const file = await chat.uploadFile(ana.room, ana.token)
      const withFiles = await expectError(
        await post(ana, {
          id: chat.newIdFor(ana.token),
          body: 'Which photo?',
          attachments: [file],
          poll: { options: ['a', 'b'] },
        }),
        400,
        'invalid_input',
      )
      expect(withFiles.fields?.attachments).toEqual([expect.stringMatching(/carries no files/)])
      const privately = await expectError(
        await post(ana, {
          id: chat.newIdFor(ana.token),
          body: 'Just you?',
          to: ben.user.id,
          poll: { options: ['a', 'b'] },
        }),
        400,
        'invalid_input',
      )
      expect(privately.fields?.to).toEqual([
        expect.stringMatching(/private message cannot be a poll/),
      ])
      const [stored] =
        await chat.sql`select count(*)::int as n from chat.messages where room = ${ana.room}`
      expect(stored).toEqual({ n: 0 })
    })

    it('obeys the room settings and slow mode like a message', async () => {
      const olga = await owner(uniqueRoom('poll-settings'))
      const ana = await chat.member(olga.room, 'Ana')
      expect((await settle(olga.room, olga.token, { send: 'owners' })).status).toBe(200)
      const refused = { id: chat.newIdFor(ana.token), body: 'Q?', poll: { options: ['a', 'b'] } }
      await expectError(await post(ana, refused), 403, 'owners_only')
      await startPoll(olga)
      expect((await settle(olga.room, olga.token, { send: 'nobody' })).status).toBe(200)
      await expectError(await post(ana, refused), 403, 'chat_off')

      expect((await settle(olga.room, olga.token, { slowModeSeconds: 60 })).status).toBe(200)
      expect((await post(ana, { id: chat.newIdFor(ana.token), body: 'first' })).status).toBe(201)
      const slow = await post(ana, { ...refused, id: chat.newIdFor(ana.token) })
      await expectError(slow, 429, 'slow_mode')
      expect(Number(slow.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    })

    it('travels live with its options: the envelope carries the poll under the same rules', () => {
      const envelope = {
        v: 1,
        type: 'chat',
        id: randomUUID(),
        body: 'Lunch?',
        poll: { options: ['Pizza', 'Sushi'] },
        createdAt: new Date().toISOString(),
      }
      expect(liveEnvelopeSchema.parse(envelope)).toMatchObject({ poll: envelope.poll })
      for (const bad of [
        { ...envelope, poll: { options: ['Pizza'] } },
        { ...envelope, poll: { options: ['Pizza', 'PIZZA'] } },
        { ...envelope, to: 'someone' },
        { ...envelope, body: 'q'.repeat(301) },
      ]) {
        expect(liveEnvelopeSchema.safeParse(bad).success).toBe(false)
      }
    })
  })

  describe('PUT and DELETE .../poll/vote', () => {
    it('votes, changes the vote, takes it back: one vote per person, and the voter reads their own', async () => {
      const ana = await chat.member(uniqueRoom('vote'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana)

      const first = await answered(await vote(ben, poll.id, 0))
      expect(first.poll).toEqual({
        options: [
          { text: 'Pizza', votes: 1 },
          { text: 'Sushi', votes: 0 },
          { text: 'Salad', votes: 0 },
        ],
        myVote: 0,
      })
      const changed = await answered(await vote(ben, poll.id, 2))
      expect(counts(changed)).toEqual([0, 0, 1])
      expect(changed.poll?.myVote).toBe(2)
      expect(await votesOf(poll.id)).toEqual([{ user_id: ben.user.id, option: 2 }])

      const anaVotes = await answered(await vote(ana, poll.id, 2))
      expect(counts(anaVotes)).toEqual([0, 0, 2])
      expect(anaVotes.poll?.myVote).toBe(2)

      const withdrawn = await answered(await takeBack(ben, poll.id))
      expect(counts(withdrawn)).toEqual([0, 0, 1])
      expect(withdrawn.poll).not.toHaveProperty('myVote')
      // Taking back a vote one does not have changes nothing, and is no error.
      expect(counts(await answered(await takeBack(ben, poll.id)))).toEqual([0, 0, 1])
      expect({ ...withdrawn, poll: undefined }).toEqual({ ...poll, poll: undefined })
    })

    it('shows others the counts only: no one else’s vote, no voter anywhere in what it answers', async () => {
      const ana = await chat.member(uniqueRoom('secret'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const cy = await chat.member(ana.room, 'Cy')
      const poll = await startPoll(ana, 'Secret ballot?', ['Yes', 'No'])
      await vote(ben, poll.id, 0)
      await vote(cy, poll.id, 1)

      const reads = [
        await chat.call('GET', `/rooms/${ana.room}/messages`, { token: ana.token }),
        await chat.call('GET', `/rooms/${ana.room}/messages/${poll.id}`, { token: ana.token }),
        await chat.call('GET', `/rooms/${ana.room}/changes?since=0`, { token: ana.token }),
        await chat.call('GET', `/rooms/${ana.room}/search?q=secret`, { token: ana.token }),
        await chat.call('GET', `/rooms/${ana.room}/transcript?format=json`, { token: ana.token }),
        await close(ana, poll.id),
      ]
      for (const response of reads) {
        expect(response.status).toBe(200)
        const text = await response.text()
        expect(text).not.toContain(ben.user.id)
        expect(text).not.toContain(cy.user.id)
        expect(text).not.toContain('myVote')
        expect(text).toContain('"votes":1')
      }
    })

    it('gives each reader their own vote in every read: history, one message, changes, search, pins, transcript', async () => {
      const olga = await owner(uniqueRoom('reads'))
      const ben = await chat.member(olga.room, 'Ben')
      const poll = await startPoll(olga, 'Pinned poll?', ['Yes', 'No'])
      const pinned = await chat.call('PUT', `/rooms/${olga.room}/messages/${poll.id}/pin`, {
        token: olga.token,
      })
      expect((await answered(pinned)).poll?.options).toHaveLength(2)
      await vote(ben, poll.id, 1)
      await vote(olga, poll.id, 0)

      const readAs = async (who: HarnessMember) => {
        const get = async (path: string) => {
          const response = await chat.call('GET', `/rooms/${who.room}${path}`, { token: who.token })
          expect(response.status).toBe(200)
          return response.json()
        }
        const newest = (await get('/messages')).messages[0]
        const older = (await get('/messages?after=0')).messages[0]
        const one = await get(`/messages/${poll.id}`)
        const changed = (await get('/changes?since=0')).changes.at(-1).message
        const found = (await get('/search?q=pinned')).messages[0]
        const pin = (await get('/pins')).messages[0]
        const transcript = (await get('/transcript?format=json')).messages[0]
        return [newest, older, one, changed, found, pin, transcript].map(
          (message) => storedMessageSchema.parse(message).poll,
        )
      }
      const expected = (myVote: number) => ({
        options: [
          { text: 'Yes', votes: 1 },
          { text: 'No', votes: 1 },
        ],
        myVote,
      })
      expect(await readAs(ben)).toEqual(Array(7).fill(expected(1)))
      expect(await readAs(olga)).toEqual(Array(7).fill(expected(0)))
    })

    it('moves the revision on each vote change, so the changes feed carries the new counts; the same vote again moves nothing', async () => {
      const ana = await chat.member(uniqueRoom('revision'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana)
      const before = (await history(ana)).revision

      await vote(ben, poll.id, 1)
      const caughtUp = await changes(ana, before)
      expect(caughtUp.changes).toHaveLength(1)
      expect(counts((caughtUp.changes[0] as { message: StoredMessage }).message)).toEqual([0, 1, 0])
      expect(caughtUp.revision).toBeGreaterThan(before)

      expect(counts(await answered(await vote(ben, poll.id, 1)))).toEqual([0, 1, 0])
      expect((await changes(ana, caughtUp.revision)).changes).toEqual([])

      await takeBack(ben, poll.id)
      const afterTakeBack = await changes(ana, caughtUp.revision)
      expect(
        afterTakeBack.changes.map((change) => change.type === 'message' && counts(change.message)),
      ).toEqual([[0, 0, 0]])
      await takeBack(ben, poll.id)
      expect((await changes(ana, afterTakeBack.revision)).changes).toEqual([])
    })

    it('keeps one vote when one person votes twice at once', async () => {
      const ana = await chat.member(uniqueRoom('race'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana)
      const responses = await Promise.all(
        [0, 1, 2, 1, 0].map((option) => vote(ben, poll.id, option)),
      )
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200])
      const rows = await votesOf(poll.id)
      expect(rows).toHaveLength(1)
      const stored = (await history(ana)).messages[0]
      expect(counts(stored)?.reduce((sum, count) => sum + count, 0)).toBe(1)
      expect(counts(stored)?.[rows[0]?.option ?? -1]).toBe(1)
    })

    it("refuses a bad option: 400 beyond the poll's options, 400 for what is no option at all", async () => {
      const ana = await chat.member(uniqueRoom('option'), 'Ana')
      const poll = await startPoll(ana, 'Two?', ['a', 'b'])
      const beyond = await expectError(await vote(ana, poll.id, 2), 400, 'invalid_input')
      expect(beyond.fields?.option).toEqual([expect.stringMatching(/2 options: .* 0 to 1/)])
      for (const option of [-1, 10, 1.5, '1', null]) {
        const error = await expectError(await vote(ana, poll.id, option), 400, 'invalid_input')
        expect(error.fields?.option).toEqual([expect.stringMatching(/option/)])
      }
      await expectError(
        await chat.call('PUT', pollPath(ana, poll.id, 'vote'), {
          token: ana.token,
          body: { option: 0, user: 'someone-else' },
        }),
        400,
        'invalid_input',
      )
      expect(await votesOf(poll.id)).toEqual([])
    })

    it("answers 404: no such message, a message that is no poll, a deleted poll, another room's poll", async () => {
      const ana = await chat.member(uniqueRoom('missing'), 'Ana')
      const mallory = await chat.member(uniqueRoom('elsewhere'), 'Mallory')
      await expectError(await vote(ana, randomUUID(), 0), 404, 'message_not_found')
      const plain = await post(ana, { id: chat.newIdFor(ana.token), body: 'not a poll' })
      const { id: plainId } = await plain.json()
      const notPoll = await expectError(await vote(ana, plainId, 0), 404, 'poll_not_found')
      expect(notPoll.message).toBe('This message is not a poll.')
      await expectError(await takeBack(ana, plainId), 404, 'poll_not_found')
      await expectError(await close(ana, plainId), 404, 'poll_not_found')

      const poll = await startPoll(ana)
      await expectError(await vote(mallory, poll.id, 0), 404, 'message_not_found')
      const deleted = await chat.call('DELETE', `/rooms/${ana.room}/messages/${poll.id}`, {
        token: ana.token,
      })
      expect(deleted.status).toBe(204)
      await expectError(await vote(ana, poll.id, 0), 404, 'message_not_found')
      await expectError(await takeBack(ana, poll.id), 404, 'message_not_found')
      await expectError(await close(ana, poll.id), 404, 'message_not_found')
      await expectError(
        await chat.call('PUT', `/rooms/${ana.room}/messages/nope/poll/vote`, {
          token: ana.token,
          body: { option: 0 },
        }),
        400,
        'invalid_input',
      )
      await expectError(
        await chat.call('PUT', pollPath(ana, poll.id, 'vote'), { body: { option: 0 } }),
        401,
        'missing_token',
      )
    })

    it('refuses votes and take-backs with 403 while the room settings refuse sending', async () => {
      const olga = await owner(uniqueRoom('vote-settings'))
      const ana = await chat.member(olga.room, 'Ana')
      const poll = await startPoll(olga)
      await vote(ana, poll.id, 1)
      expect((await settle(olga.room, olga.token, { send: 'nobody' })).status).toBe(200)
      const off = await expectError(await vote(ana, poll.id, 0), 403, 'chat_off')
      expect(off.message).toMatch(/turned off/)
      await expectError(await takeBack(ana, poll.id), 403, 'chat_off')
      await expectError(await vote(olga, poll.id, 0), 403, 'chat_off')

      expect((await settle(olga.room, olga.token, { send: 'owners' })).status).toBe(200)
      await expectError(await vote(ana, poll.id, 0), 403, 'owners_only')
      expect(counts(await answered(await vote(olga, poll.id, 0)))).toEqual([1, 1, 0])
      expect(await votesOf(poll.id)).toContainEqual({ user_id: ana.user.id, option: 1 })
    })

    it('answers 429 with Retry-After past the poll quota, votes, take-backs and closings alike', async () => {
      const tight = createChatHarness(
        { quotas: { ...GENEROUS_QUOTAS, pollVote: { count: 3, windowSeconds: 3600 } } },
        database.url,
      )
      try {
        const ana = await tight.member(uniqueRoom('poll-quota'), 'Ana')
        const ben = await tight.member(ana.room, 'Ben')
        const id = tight.newIdFor(ana.token)
        const started = await tight.call('POST', `/rooms/${ana.room}/messages`, {
          token: ana.token,
          body: { id, body: 'Quick?', poll: { options: ['a', 'b'] } },
        })
        expect(started.status).toBe(201)
        const path = (action: string) => `/rooms/${ana.room}/messages/${id}/poll/${action}`
        const voteAs = (token: string, option: number) =>
          tight.call('PUT', path('vote'), { token, body: { option } })
        expect((await voteAs(ana.token, 0)).status).toBe(200)
        expect((await tight.call('DELETE', path('vote'), { token: ana.token })).status).toBe(200)
        expect((await voteAs(ana.token, 1)).status).toBe(200)
        const refused = await voteAs(ana.token, 0)
        const error = await expectError(refused, 429, 'rate_limited')
        expect(error.message).toMatch(/voting too quickly \(at most 3 an hour\)/)
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
        await expectError(
          await tight.call('POST', path('close'), { token: ana.token }),
          429,
          'rate_limited',
        )
        expect(await votesOf(id)).toEqual([{ user_id: ana.user.id, option: 1 }])
        // Per person: Ben is not held back by Ana's quota.
        expect((await voteAs(ben.token, 1)).status).toBe(200)
      } finally {
        await tight.close()
      }
    })

    it('refuses a blocked person a vote', async () => {
      const ana = await chat.member(uniqueRoom('blocked'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana)
      await chat.sql`insert into chat.blocked_senders (sender_id, room, reason)
                     values (${ben.user.id}, ${ana.room}, 'spam')`
      const error = await expectError(await vote(ben, poll.id, 0), 403, 'sender_blocked')
      expect(error.message).toContain('spam')
      expect(await votesOf(poll.id)).toEqual([])
    })
  })

  describe('POST .../poll/close', () => {
    it('lets its creator close it once; then votes and take-backs are 409, counts stay', async () => {
      const ana = await chat.member(uniqueRoom('close'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana)
      await vote(ben, poll.id, 1)
      const before = (await history(ana)).revision

      const closed = await answered(await close(ana, poll.id))
      expect(closed.poll).toMatchObject({
        closedBy: ana.user.id,
        options: poll.poll?.options.map((o, i) => ({ ...o, votes: i === 1 ? 1 : 0 })),
      })
      expect(Date.parse(closed.poll?.closedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(poll.createdAt),
      )
      const again = await answered(await close(ana, poll.id))
      expect(again.poll?.closedAt).toBe(closed.poll?.closedAt)

      const seen = await changes(ben, before)
      expect(seen.changes).toHaveLength(1)
      expect(seen.changes[0]).toMatchObject({
        message: { poll: { closedAt: closed.poll?.closedAt, myVote: 1 } },
      })

      const refused = await expectError(await vote(ben, poll.id, 0), 409, 'poll_closed')
      expect(refused.message).toBe('This poll is closed.')
      await expectError(await takeBack(ben, poll.id), 409, 'poll_closed')
      expect(await votesOf(poll.id)).toEqual([{ user_id: ben.user.id, option: 1 }])
    })

    it("refuses anyone else with 403 not_allowed; a room owner may close anyone's poll", async () => {
      const olga = await owner(uniqueRoom('close-owner'))
      const ana = await chat.member(olga.room, 'Ana')
      const ben = await chat.member(olga.room, 'Ben')
      const poll = await startPoll(ana)
      const error = await expectError(await close(ben, poll.id), 403, 'not_allowed')
      expect(error.message).toMatch(/creator or a room owner/)
      expect((await history(ana)).messages[0]?.poll).not.toHaveProperty('closedAt')
      const closed = await answered(await close(olga, poll.id))
      expect(closed.poll?.closedBy).toBe(olga.user.id)
    })
  })

  describe('in transcripts', () => {
    it('shows the question, each option with its count, and (closed) once closed', async () => {
      const ana = await chat.member(uniqueRoom('transcript'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana, 'Ship *Friday*?', ['- yes', 'No', '1. later'])
      await vote(ben, poll.id, 0)
      await vote(ana, poll.id, 0)
      const markdown = async () => {
        const response = await chat.call('GET', `/rooms/${ana.room}/transcript`, {
          token: ana.token,
        })
        expect(response.status).toBe(200)
        return response.text()
      }
      expect(await markdown()).toContain(
        [
          '> Ship *Friday*?',
          '',
          'Poll:',
          '- \\- yes: 2 votes',
          '- No: 0 votes',
          '- 1\\. later: 0 votes',
        ].join('\n'),
      )
      await close(ana, poll.id)
      expect(await markdown()).toContain('Poll (closed):\n- \\- yes: 2 votes')
      const json = await chat.call('GET', `/rooms/${ana.room}/transcript?format=json`, {
        token: ben.token,
      })
      const [message] = ((await json.json()) as { messages: StoredMessage[] }).messages
      expect(message?.poll).toMatchObject({
        options: [{ text: '- yes', votes: 2 }, { votes: 0 }, { votes: 0 }],
        myVote: 0,
      })
    })
  })

  describe('in the database', () => {
    it('keeps votes within the options, on open polls, and polls off private messages, for Studio writes too', async () => {
      const ana = await chat.member(uniqueRoom('studio'), 'Ana')
      const ben = await chat.member(ana.room, 'Ben')
      const poll = await startPoll(ana, 'Q?', ['a', 'b'])
      await expect(
        chat.sql`insert into chat.poll_votes (message_id, user_id, option) values (${poll.id}::uuid, 'ops', 2)`,
      ).rejects.toMatchObject({ code: 'BCPOL' })
      await expect(
        chat.sql`insert into chat.polls (message_id, options) values (${poll.id}::uuid, array['a'])`,
      ).rejects.toThrow(/polls_options_count|polls_pkey/)
      const secret = await post(ana, {
        id: chat.newIdFor(ana.token),
        body: 'psst',
        to: ben.user.id,
      })
      const { id: secretId } = await secret.json()
      await expect(
        chat.sql`insert into chat.polls (message_id, options) values (${secretId}::uuid, array['a', 'b'])`,
      ).rejects.toMatchObject({ code: 'BCPOL' })
      await chat.sql`update chat.polls set closed_at = now(), closed_by = 'ops' where message_id = ${poll.id}::uuid`
      await expect(
        chat.sql`insert into chat.poll_votes (message_id, user_id, option) values (${poll.id}::uuid, 'ops', 0)`,
      ).rejects.toMatchObject({ code: 'BCPOL' })
      const [results] = await chat.sql`
        select question, options, votes, voters from chat.poll_results where message_id = ${poll.id}::uuid`
      expect(results).toEqual({ question: 'Q?', options: ['a', 'b'], votes: [0, 0], voters: 0 })
    })

    it('removes a poll and its votes with their message when retention purges it', async () => {
      const ana = await chat.member(uniqueRoom('purge'), 'Ana')
      const poll = await startPoll(ana)
      await vote(ana, poll.id, 0)
      await chat.sql`
        update chat.messages set created_at = now() - interval '400 days' where id = ${poll.id}::uuid`
      await chat.sql`select chat.purge_expired_messages(365)`
      expect(await votesOf(poll.id)).toEqual([])
      expect(
        await chat.sql`select from chat.polls where message_id = ${poll.id}::uuid`,
      ).toHaveLength(0)
    })
  })
})

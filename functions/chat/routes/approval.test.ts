// Messages that need approval (issue 22, item 4), over HTTP, played as the people involved: the
// host turns the setting on; Ana's messages then wait. Ben, Cy and the host go through every route
// that reads, answers or acts on a message, and each answers them about Ana's waiting message
// exactly as about an id that never existed; Ana sees hers, marked pending; the host sees it only
// in the queue, and approves or rejects it.
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  GENEROUS_QUOTAS,
  uniqueRoom,
  userIdOf,
} from '../../../test/chat-harness.ts'
import {
  changesPageSchema,
  DEFAULT_ROOM_SETTINGS,
  historyPageSchema,
  messageReviewAnswerSchema,
  pendingMessagesSchema,
  searchPageSchema,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('messages that need approval', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  async function setup() {
    const room = uniqueRoom('approval')
    const ana = await chat.tokenFor(room, 'Ana')
    const ben = await chat.tokenFor(room, 'Ben')
    const cy = await chat.tokenFor(room, 'Cy')
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const turnedOn = await chat.call('PUT', `/rooms/${room}/settings`, {
      token: host,
      body: { ...DEFAULT_ROOM_SETTINGS, messagesNeedApproval: true },
    })
    expect(turnedOn.status).toBe(200)
    const send = async (token: string, body: Record<string, unknown>) => {
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), ...body },
      })
      expect(response.status).toBe(201)
      return storedMessageSchema.parse(await response.json())
    }
    const get = (token: string, path: string) =>
      chat.call('GET', `/rooms/${room}${path}`, { token })
    const welcome = await send(host, { body: 'Welcome to the webinar' })
    const waiting = await send(ana, { body: 'The password is swordfish' })
    const review = (token: string, body: unknown) =>
      chat.call('POST', `/rooms/${room}/messages/review`, { token, body })
    return { room, ana, ben, cy, host, send, get, review, welcome, waiting }
  }

  /** Status and JSON of an answer, without the request id that names each error. */
  async function answerOf(response: Response) {
    const json = await response.json()
    if (json?.error) {
      expect(json.error.requestId).toBe(response.headers.get('X-Request-Id'))
      delete json.error.requestId
    }
    return { status: response.status, json }
  }

  const idsOf = (changes: {
    changes: ({ type: 'deleted'; id: string } | { type: 'message'; message: { id: string } })[]
  }) => changes.changes.map((c) => (c.type === 'message' ? c.message.id : c.id))

  it('answers a member 201 with pending: true, and shows it to her as waiting', async () => {
    const { ana, get, waiting } = await setup()
    expect(waiting.pending).toBe(true)
    const page = historyPageSchema.parse(await (await get(ana, '/messages')).json())
    expect(page.messages.map((m) => [m.body, m.pending])).toEqual([
      ['Welcome to the webinar', undefined],
      ['The password is swordfish', true],
    ])
    const one = storedMessageSchema.parse(await (await get(ana, `/messages/${waiting.id}`)).json())
    expect(one.pending).toBe(true)
    const changes = changesPageSchema.parse(await (await get(ana, '/changes?since=0')).json())
    expect(idsOf(changes)).toContain(waiting.id)
    const found = searchPageSchema.parse(await (await get(ana, '/search?q=swordfish')).json())
    expect(found.messages.map((m) => m.id)).toEqual([waiting.id])
    const [row] = await chat.sql`select review from chat.messages where id = ${waiting.id}::uuid`
    expect(row?.review).toBe('pending')
  })

  it("takes its place on its sender's newest page only, below a full page of messages", async () => {
    const { ana, ben, host, send, get, waiting } = await setup()
    for (let n = 1; n <= 55; n += 1) await send(host, { body: `update ${n}` })
    const recent = await send(ana, { body: 'Can you share the slides?' })
    await send(host, { body: 'update 56' })
    const [forAna, forBen] = await Promise.all(
      [ana, ben].map(async (token) =>
        historyPageSchema.parse(await (await get(token, '/messages')).json()),
      ),
    )
    expect(forAna?.messages).toHaveLength(50)
    expect(forAna?.messages.map((m) => m.body).slice(-3)).toEqual([
      'update 55',
      'Can you share the slides?',
      'update 56',
    ])
    expect(forAna?.messages.at(-2)?.pending).toBe(true)
    expect(forBen?.messages).toHaveLength(50)
    expect(forBen?.messages.map((m) => m.id)).not.toContain(recent.id)
    expect(forBen?.messages.map((m) => m.body).slice(-2)).toEqual(['update 55', 'update 56'])
    for (const page of [forAna, forBen]) {
      expect(page?.messages.map((m) => m.id)).not.toContain(waiting.id)
    }
  })

  it("sends owners' own messages, and private messages, straight out", async () => {
    const { ana, ben, host, send, get, welcome } = await setup()
    expect(welcome.pending).toBeUndefined()
    const aside = await send(ana, { body: 'Ben, lunch later?', to: userIdOf(ben) })
    expect(aside.pending).toBeUndefined()
    const page = historyPageSchema.parse(await (await get(ben, '/messages')).json())
    expect(page.messages.map((m) => m.id)).toEqual([welcome.id, aside.id])
    const queue = pendingMessagesSchema.parse(await (await get(host, '/messages/pending')).json())
    expect(queue.messages.map((m) => m.body)).toEqual(['The password is swordfish'])
  })

  it('never reaches anyone else by any route: each answers as for an id that never existed', async () => {
    const { room, ben, cy, host, ana, send, get, welcome, waiting } = await setup()
    const poll = await send(ana, { body: 'Pizza or sushi?', poll: { options: ['Pizza', 'Sushi'] } })
    expect(poll.pending).toBe(true)
    const later = await send(host, { body: 'Slides are up' })
    for (const reader of [ben, cy, host]) {
      const never = chat.newIdFor(reader)
      const alike = async (about: (id: string) => Promise<Response>, id = waiting.id) =>
        expect(await answerOf(await about(id))).toEqual(await answerOf(await about(never)))

      for (const path of ['/messages', '/messages?after=0', `/messages?before=${later.seq + 1}`]) {
        const page = historyPageSchema.parse(await (await get(reader, path)).json())
        expect(page.messages.map((m) => m.id)).toEqual([welcome.id, later.id])
        expect(page.hasMore).toBe(false)
      }
      // Gap filling from the waiting seq on does not stall on it, nor show it.
      const gap = historyPageSchema.parse(
        await (await get(reader, `/messages?after=${welcome.seq}&limit=1`)).json(),
      )
      expect(gap.messages.map((m) => m.id)).toEqual([later.id])
      await alike((id) => get(reader, `/messages/${id}`))
      await alike((id) => get(reader, `/messages/${id}`), poll.id)
      const changes = changesPageSchema.parse(await (await get(reader, '/changes?since=0')).json())
      expect(idsOf(changes)).toEqual([welcome.id, later.id])
      expect(changes.firstSeq).toBe(welcome.seq)
      for (const words of ['swordfish', 'pizza']) {
        const found = searchPageSchema.parse(await (await get(reader, `/search?q=${words}`)).json())
        expect(found.messages).toEqual([])
      }
      for (const format of ['md', 'json']) {
        const transcript = await (await get(reader, `/transcript?format=${format}`)).text()
        expect(transcript).toContain('Slides are up')
        expect(transcript).not.toMatch(/swordfish|Pizza/)
        expect(transcript).not.toContain(waiting.id)
      }
      await alike((id) =>
        chat.call('PUT', `/rooms/${room}/messages/${id}/reactions/👍`, { token: reader }),
      )
      await alike((id) =>
        chat.call('POST', `/rooms/${room}/messages/${id}/reports`, {
          token: reader,
          body: { reason: 'spam' },
        }),
      )
      await alike((id) => chat.call('PUT', `/rooms/${room}/messages/${id}/pin`, { token: reader }))
      await alike((id) =>
        chat.call('PATCH', `/rooms/${room}/messages/${id}`, {
          token: reader,
          body: { body: 'edited' },
        }),
      )
      await alike((id) => chat.call('DELETE', `/rooms/${room}/messages/${id}`, { token: reader }))
      await alike((id) =>
        chat.call('POST', `/rooms/${room}/messages`, {
          token: reader,
          body: { id: chat.newIdFor(reader), body: 'Agreed', replyTo: id },
        }),
      )
      for (const action of ['vote', 'close']) {
        await alike(
          (id) =>
            chat.call(
              action === 'vote' ? 'PUT' : 'POST',
              `/rooms/${room}/messages/${id}/poll/${action}`,
              {
                token: reader,
                ...(action === 'vote' ? { body: { option: 0 } } : {}),
              },
            ),
          poll.id,
        )
      }
      const pins = await (await get(reader, '/pins')).json()
      expect(JSON.stringify(pins)).not.toContain(waiting.id)
      const reports = await (await get(reader, '/reports')).json()
      expect(JSON.stringify(reports)).not.toMatch(new RegExp(`${waiting.id}|${poll.id}`))
    }
    // Nothing anyone tried left a mark on it.
    const [row] = await chat.sql`
      select review, deleted_at, pinned_at, edited_at,
             (select count(*)::int from chat.reactions where message_id = ${waiting.id}::uuid) as reactions,
             (select count(*)::int from chat.reports where message_id = ${waiting.id}::uuid) as reports
      from chat.messages where id = ${waiting.id}::uuid`
    expect(row).toEqual({
      review: 'pending',
      deleted_at: null,
      pinned_at: null,
      edited_at: null,
      reactions: 0,
      reports: 0,
    })
  })

  it('shows the queue to owners only, oldest first', async () => {
    const { ana, ben, host, send, get, review, waiting } = await setup()
    const second = await send(ben, { body: 'When are the questions?' })
    const queue = pendingMessagesSchema.parse(await (await get(host, '/messages/pending')).json())
    expect(queue.messages.map((m) => [m.id, m.sender.name, m.pending])).toEqual([
      [waiting.id, 'Ana', true],
      [second.id, 'Ben', true],
    ])
    for (const member of [ana, ben]) {
      const refused = await expectError(await get(member, '/messages/pending'), 403, 'owners_only')
      expect(refused.message).toMatch(/Only the room's owners/)
      await expectError(
        await review(member, { ids: [waiting.id], approve: true }),
        403,
        'owners_only',
      )
    }
    const [row] = await chat.sql`select review from chat.messages where id = ${waiting.id}::uuid`
    expect(row?.review).toBe('pending')
  })

  it('approves: everyone then catches up on it, with its original time and place', async () => {
    const { ben, host, ana, send, get, review, welcome, waiting } = await setup()
    const later = await send(host, { body: 'Slides are up' })
    const before = historyPageSchema.parse(await (await get(ben, '/messages')).json())
    const approved = await review(host, { ids: [waiting.id], approve: true })
    expect(approved.status).toBe(200)
    const { results } = messageReviewAnswerSchema.parse(await approved.json())
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({ id: waiting.id, outcome: 'approved' })
    expect(results[0]?.message).toMatchObject({ createdAt: waiting.createdAt, seq: waiting.seq })
    expect(results[0]?.message?.pending).toBeUndefined()

    const changes = changesPageSchema.parse(
      await (await get(ben, `/changes?since=${before.revision}`)).json(),
    )
    expect(changes.changes).toHaveLength(1)
    const [change] = changes.changes
    expect(change?.type === 'message' && change.message).toMatchObject({
      id: waiting.id,
      body: 'The password is swordfish',
      createdAt: waiting.createdAt,
    })
    for (const reader of [ben, ana]) {
      const page = historyPageSchema.parse(await (await get(reader, '/messages')).json())
      expect(page.messages.map((m) => [m.id, m.pending])).toEqual([
        [welcome.id, undefined],
        [waiting.id, undefined],
        [later.id, undefined],
      ])
    }
    const queue = pendingMessagesSchema.parse(await (await get(host, '/messages/pending')).json())
    expect(queue.messages).toEqual([])
    // A second review finds it no longer waiting.
    const again = messageReviewAnswerSchema.parse(
      await (await review(host, { ids: [waiting.id], approve: false })).json(),
    )
    expect(again.results.map((r) => r.outcome)).toEqual(['unchanged'])
    const log = await chat.sql`
      select action, actor from chat.moderation_log where message_id = ${waiting.id}::uuid`
    expect(log).toEqual([{ action: 'approve_message', actor: userIdOf(host) }])
  })

  it('rejects: the message is deleted for its sender and never appears for anyone else', async () => {
    const { ben, host, ana, send, get, review, welcome, waiting } = await setup()
    const also = await send(ana, { body: 'Buy cheap watches' })
    const anaBefore = historyPageSchema.parse(await (await get(ana, '/messages')).json())
    const rejected = await review(host, { ids: [waiting.id, also.id], approve: false })
    expect(rejected.status).toBe(200)
    expect(messageReviewAnswerSchema.parse(await rejected.json()).results).toEqual([
      { id: waiting.id, outcome: 'rejected' },
      { id: also.id, outcome: 'rejected' },
    ])
    const forAna = changesPageSchema.parse(
      await (await get(ana, `/changes?since=${anaBefore.revision}`)).json(),
    )
    expect(forAna.changes).toEqual([
      { type: 'deleted', id: waiting.id },
      { type: 'deleted', id: also.id },
    ])
    const anaPage = historyPageSchema.parse(await (await get(ana, '/messages')).json())
    expect(anaPage.messages.map((m) => m.id)).toEqual([welcome.id])
    for (const reader of [ben, host]) {
      const changes = changesPageSchema.parse(await (await get(reader, '/changes?since=0')).json())
      expect(idsOf(changes)).toEqual([welcome.id])
      const page = historyPageSchema.parse(await (await get(reader, '/messages')).json())
      expect(page.messages.map((m) => m.id)).toEqual([welcome.id])
    }
    const queue = pendingMessagesSchema.parse(await (await get(host, '/messages/pending')).json())
    expect(queue.messages).toEqual([])
    const log = await chat.sql`
      select action, actor from chat.moderation_log where message_id = ${waiting.id}::uuid`
    expect(log).toEqual([{ action: 'reject_message', actor: userIdOf(host) }])
  })

  it('tells the room live once reviewed, as a changed notice from the function naming nothing of it', async () => {
    const { room, host, review, waiting } = await setup()
    const toRoom = async () => {
      await chat.liveSettled()
      return chat.liveSent.filter((sent) => sent.room === room).map((sent) => sent.data)
    }
    // Waiting: nothing goes out live.
    expect(await toRoom()).toEqual([])
    expect((await review(host, { ids: [waiting.id], approve: true })).status).toBe(200)
    expect(await toRoom()).toEqual([{ v: 1, type: 'changed', id: waiting.id }])
    // Nothing reviewed (already approved): nothing to tell.
    expect((await review(host, { ids: [waiting.id], approve: true })).status).toBe(200)
    expect(await toRoom()).toHaveLength(1)
  })

  it("answers not_found for another room's message and leaves it waiting there", async () => {
    const { host, review } = await setup()
    const other = await setup()
    const answer = messageReviewAnswerSchema.parse(
      await (await review(host, { ids: [other.waiting.id], approve: true })).json(),
    )
    expect(answer.results).toEqual([{ id: other.waiting.id, outcome: 'not_found' }])
    const queue = pendingMessagesSchema.parse(
      await (await other.get(other.host, '/messages/pending')).json(),
    )
    expect(queue.messages.map((m) => m.id)).toEqual([other.waiting.id])
  })

  it('counts reviews against CHAT_MESSAGE_REVIEW_QUOTA, one per review of several', async () => {
    const tight = createChatHarness({
      quotas: { ...GENEROUS_QUOTAS, messageReview: { count: 1, windowSeconds: 600 } },
    })
    try {
      const room = uniqueRoom('approval-quota')
      const host = await tight.tokenFor(room, 'Host', { owner: true })
      const ids = [tight.newIdFor(host), tight.newIdFor(host)]
      const review = () =>
        tight.call('POST', `/rooms/${room}/messages/review`, {
          token: host,
          body: { ids, approve: true },
        })
      expect((await review()).status).toBe(200)
      const refused = await expectError(await review(), 429, 'rate_limited')
      expect(refused.message).toMatch(/reviewing messages too quickly/)
    } finally {
      await tight.close()
    }
  })

  it('refuses review bodies that are not 1 to 100 message ids and a yes or no (400)', async () => {
    const { host, review, waiting } = await setup()
    const many = Array.from({ length: 101 }, () => chat.newIdFor(host))
    for (const [body, field] of [
      [{ ids: [], approve: true }, 'ids'],
      [{ ids: many, approve: true }, 'ids'],
      [{ ids: 'all', approve: true }, 'ids'],
      [{ ids: [waiting.id], approve: 'yes' }, 'approve'],
      [{ ids: [waiting.id] }, 'approve'],
      [{ ids: [waiting.id], approve: true, reason: 'spam' }, 'reason'],
    ] as const) {
      const error = await expectError(await review(host, body), 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toEqual([field])
    }
    const notAnId = await expectError(
      await review(host, { ids: ['nope'], approve: true }),
      400,
      'invalid_input',
    )
    expect(notAnId.message).toMatch(/\S/)
    const [row] = await chat.sql`select review from chat.messages where id = ${waiting.id}::uuid`
    expect(row?.review).toBe('pending')
  })
})

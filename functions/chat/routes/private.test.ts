// Private messages over HTTP, played as the people involved and as everyone else trying to learn
// of them: Ana writes to Ben privately; Cy (a member) and the host (an owner) go through every
// route that reads, answers or acts on a message, and each answers them exactly as it answers for
// an id that never existed. Ana and Ben see it everywhere, marked as private.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it, vi } from 'vitest'
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
    const json = await response.json()
    // Each error names its own request (X-Request-Id); all the rest must be alike.
    if (json?.error) {
      expect(json.error.requestId).toBe(response.headers.get('X-Request-Id'))
      delete json.error.requestId
    }
    return { status: response.status, json }
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

  /**
   * Everything a person reads in the room, as they get it (status and full JSON): history (the
   * newest page, paging both ways), one message, changes from the start and from a revision,
   * search, pins, reports and the transcript (its export time aside).
   */
  async function everythingSeenBy(
    get: (token: string, path: string) => Promise<Response>,
    token: string,
    open: { id: string; seq: number },
    since: number,
  ) {
    const paths = [
      '/messages',
      '/messages?limit=1',
      '/messages?after=0',
      `/messages?after=${open.seq}`,
      `/messages?before=${open.seq + 1}`,
      `/messages/${open.id}`,
      '/changes?since=0',
      `/changes?since=${since}`,
      '/search?q=hello',
      '/search?q=swordfish',
      '/search?q=lunch',
      '/pins',
      '/reports',
      '/transcript?format=json',
    ]
    const seen: Record<string, unknown> = {}
    for (const path of paths) {
      const response = await get(token, path)
      const json = await response.json()
      if (path.startsWith('/transcript')) delete json.exportedAt
      seen[path] = { status: response.status, json }
    }
    return seen
  }

  it('leaves no trace in anything anyone else reads: sent, reacted to, replied to, edited, reported, deleted', async () => {
    const { room, ana, ben, cy, host, open, send, get } = await setup()
    // The host pins the message for everyone, so that pins have something to show.
    expect(
      (await chat.call('PUT', `/rooms/${room}/messages/${open.id}/pin`, { token: host })).status,
    ).toBe(200)
    const newestRevision = async (token: string) =>
      historyPageSchema.parse(await (await get(token, '/messages')).json()).revision
    const start = await newestRevision(cy)
    const others = [cy, host]
    const before = await Promise.all(
      others.map((token) => everythingSeenBy(get, token, open, start)),
    )
    /** The two of them: what they read moved with `step`, and catching up brings `id`. */
    const revisions = { [ana]: await newestRevision(ana), [ben]: await newestRevision(ben) }
    async function theySee(id: string) {
      for (const token of [ana, ben]) {
        const revision = await newestRevision(token)
        expect(revision).toBeGreaterThan(revisions[token] ?? 0)
        const paged = historyPageSchema.parse(await (await get(token, '/messages?after=0')).json())
        expect(paged.revision).toBe(revision)
        const changes = changesPageSchema.parse(
          await (await get(token, `/changes?since=${revisions[token]}`)).json(),
        )
        expect(changes.changes.map((c) => (c.type === 'message' ? c.message.id : c.id))).toContain(
          id,
        )
        expect(changes.revision).toBe(revision)
        revisions[token] = revision
      }
    }
    async function nobodyElseSeesAnything() {
      const after = await Promise.all(
        others.map((token) => everythingSeenBy(get, token, open, start)),
      )
      expect(after).toEqual(before)
    }

    const lunch = await send(ana, { body: 'Lunch after this?', to: userIdOf(ben) })
    await theySee(lunch.id)
    await nobodyElseSeesAnything()

    const react = (method: string) =>
      chat.call(method, `/rooms/${room}/messages/${lunch.id}/reactions/👍`, { token: ben })
    expect((await react('PUT')).status).toBe(200)
    await theySee(lunch.id)
    await nobodyElseSeesAnything()

    const reply = await send(ben, {
      body: 'Sure, lunch at 1',
      to: userIdOf(ana),
      replyTo: lunch.id,
    })
    await theySee(reply.id)
    await nobodyElseSeesAnything()

    const edited = await chat.call('PATCH', `/rooms/${room}/messages/${lunch.id}`, {
      token: ana,
      body: { body: 'Lunch after this? My treat' },
    })
    expect(edited.status).toBe(200)
    await theySee(lunch.id)
    await nobodyElseSeesAnything()

    const reported = await chat.call('POST', `/rooms/${room}/messages/${lunch.id}/reports`, {
      token: ben,
      body: { reason: 'bribery' },
    })
    expect(reported.status).toBe(201)
    // The host is the owner: their open reports list only what they may see.
    await nobodyElseSeesAnything()

    expect((await react('DELETE')).status).toBe(204)
    await theySee(lunch.id)
    await nobodyElseSeesAnything()

    const deleted = await chat.call('DELETE', `/rooms/${room}/messages/${lunch.id}`, {
      token: ana,
    })
    expect(deleted.status).toBe(204)
    await theySee(lunch.id)
    await nobodyElseSeesAnything()

    // And the room still moves for everyone with what everyone sees.
    await send(ben, { body: 'Back to the agenda' })
    expect(await newestRevision(cy)).toBeGreaterThan(start)
    expect(await newestRevision(cy)).toBe(await newestRevision(ana))
  })

  it('has files only its two people can get URLs for: anyone else is told they were never shared', async () => {
    const { room, ana, ben, cy, host } = await setup()
    const file = await chat.uploadFile(room, ana, { name: 'salaries.png' })
    const response = await chat.call('POST', `/rooms/${room}/messages`, {
      token: ana,
      body: { id: chat.newIdFor(ana), body: '', attachments: [file], to: userIdOf(ben) },
    })
    expect(response.status).toBe(201)
    const sign = (token: string, attachment: typeof file) =>
      chat.call('POST', `/rooms/${room}/attachments/sign`, {
        token,
        body: { attachments: [attachment] },
      })
    // The same file under a path never granted in the room.
    const neverShared = { ...file, path: `${room}/${randomUUID()}.png` }
    for (const token of [cy, host]) {
      expect(await unknownAnswer(await sign(token, file))).toEqual(
        await unknownAnswer(await sign(token, neverShared)),
      )
      await expectError(await sign(token, file), 404, 'file_not_found')
    }
    for (const token of [ana, ben]) {
      const signed = await sign(token, file)
      expect(signed.status).toBe(200)
      const [withUrl] = (await signed.json()).attachments
      expect((await chat.storage(withUrl.url)).status).toBe(200)
    }
  })

  it('mentions inside a private message reach no one outside it', async () => {
    const { ana, ben, cy, host, open, send, get } = await setup()
    const start = historyPageSchema.parse(await (await get(cy, '/messages')).json()).revision
    const before = await Promise.all(
      [cy, host].map((token) => everythingSeenBy(get, token, open, start)),
    )
    // Ben has been in the room (the function knows his name) before Ana mentions him.
    expect((await get(ben, '/messages')).status).toBe(200)
    const mentioning = await send(ana, {
      body: '@Ben did @Cy send the lunch menu?',
      to: userIdOf(ben),
      mentions: [
        { userId: userIdOf(ben), name: 'Ben' },
        { userId: userIdOf(cy), name: 'Cy' },
      ],
    })
    const forBen = historyPageSchema.parse(await (await get(ben, '/messages')).json())
    expect(forBen.messages.find((m) => m.id === mentioning.id)?.mentions).toEqual([
      { userId: userIdOf(ben), name: 'Ben' },
      { userId: userIdOf(cy), name: 'Cy' },
    ])
    const after = await Promise.all(
      [cy, host].map((token) => everythingSeenBy(get, token, open, start)),
    )
    expect(after).toEqual(before)
    expect(JSON.stringify(after)).not.toContain(mentioning.id)
    const searched = searchPageSchema.parse(await (await get(cy, '/search?q=menu')).json())
    expect(searched.messages).toEqual([])
  })

  it('gives a newest page whose revision never skips a message for everyone it lacks', async () => {
    const { ana, ben, send, get } = await setup()
    /** The connections whose newest-page read waits for the reactions locked by `holder`. */
    const pagesWaitingOn = async (holder: number) =>
      (
        await chat.sql<{ pid: number }[]>`
          select pid from pg_stat_activity
          where ${holder} = any(pg_blocking_pids(pid)) and query like '%room_has_private%'`
      ).map((row) => row.pid)
    // Ben's newest page reads the messages for everyone (shared by all readers) first and his own
    // private ones after. Held up in between (his first read waits for the reactions, locked
    // here), Ana writes to everyone, then privately to him: his page has her private message but
    // not the one for everyone, and catching up from its revision must still bring that one.
    // Another test file's page read waiting on the same lock can be taken for his, letting Ana
    // write too early: such a round proves nothing, and the next one tries again.
    let heldUp = 0
    for (let round = 0; round < 5 && heldUp === 0; round += 1) {
      let page: Promise<Response> | undefined
      const written: string[] = []
      let privately = ''
      await chat.sql.begin(async (tx) => {
        const [holder] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`
        await tx`lock table chat.reactions in access exclusive mode`
        const before = new Set(await pagesWaitingOn(holder?.pid ?? 0))
        page = get(ben, '/messages')
        await vi.waitFor(async () => {
          const waiting = await pagesWaitingOn(holder?.pid ?? 0)
          expect(waiting.some((pid) => !before.has(pid))).toBe(true)
        })
        written.push((await send(ana, { body: `Slides are up (${round})` })).id)
        privately = (await send(ana, { body: 'Ben, see slide 3', to: userIdOf(ben) })).id
      })
      const newest = historyPageSchema.parse(await (await (page as Promise<Response>)).json())
      const ids = newest.messages.map((m) => m.id)
      expect(ids).toContain(privately)
      const missing = written.filter((id) => !ids.includes(id))
      if (missing.length > 0) heldUp += 1
      const changes = changesPageSchema.parse(
        await (await get(ben, `/changes?since=${newest.revision}`)).json(),
      )
      const caughtUp = changes.changes.map((c) => (c.type === 'message' ? c.message.id : c.id))
      expect(caughtUp).toEqual(expect.arrayContaining(missing))
    }
    expect(heldUp).toBe(1)
  })

  it("reads a reader's revision from indexes, however many private messages others exchange", async () => {
    const room = uniqueRoom('private-plan')
    await chat.sql`
      insert into chat.messages (id, room, sender_id, sender_name, body, recipient_id)
      select gen_random_uuid(), ${room}, 'u' || (i % 40), 'U', 'message ' || i,
             case when i % 3 = 0 then 'u' || ((i + 1) % 40) end
      from generate_series(1, 6000) as i`
    await chat.sql`analyze chat.messages`
    // What a history page asks (visibleRevision in postgres-message-store.ts), for u7.
    const plan = await chat.sql`
      explain select greatest(
        (select max(revision) from chat.messages where room = ${room} and recipient_id is null),
        (select max(revision) from chat.messages
         where room = ${room} and recipient_id is not null and sender_id = 'u7'),
        (select max(revision) from chat.messages
         where room = ${room} and recipient_id is not null and recipient_id = 'u7'))`
    const text = plan.map((row) => row['QUERY PLAN']).join('\n')
    expect(text).toMatch(/Index Scan Backward using messages_room_revision_idx/)
    expect(text).toMatch(/Scan Backward using messages_private_sender_revision/)
    expect(text).toMatch(/Scan Backward using messages_private_recipient_revision/)
    expect(text).not.toMatch(/Seq Scan|Bitmap/)
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

import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom } from '../../test/chat-harness.ts'
import { describeQuota } from './quotas.ts'

// Hour-long windows: a test never straddles the end of one (counts start again at each window).
const tight = {
  upload: { count: 1000, windowSeconds: 3600 },
  edit: { count: 3, windowSeconds: 3600 },
  token: { count: 3, windowSeconds: 3600 },
  transcript: { count: 2, windowSeconds: 3600 },
  reaction: { count: 1000, windowSeconds: 3600 },
  report: { count: 2, windowSeconds: 3600 },
  settings: { count: 1000, windowSeconds: 3600 },
  pin: { count: 1000, windowSeconds: 3600 },
  pollVote: { count: 1000, windowSeconds: 3600 },
  question: { count: 1000, windowSeconds: 3600 },
  questionVote: { count: 1000, windowSeconds: 3600 },
  questionModeration: { count: 1000, windowSeconds: 3600 },
  messageReview: { count: 1000, windowSeconds: 3600 },
}

describe('quotas', () => {
  // Two instances of the function on one database, as Supabase runs many isolates.
  const first = createChatHarness({ quotas: tight, proxyHops: 1 })
  const second = createChatHarness({ quotas: tight, proxyHops: 1 })
  const direct = createChatHarness({ quotas: tight, proxyHops: 0 })
  afterAll(async () => {
    await Promise.all([first.close(), second.close(), direct.close()])
  })

  /** A client address no other test uses, as a proxy in front of the function reports it. */
  const address = () => `198.51.100.${Math.floor(Math.random() * 250)}-${uniqueRoom('a')}`

  const join = (
    chat: ReturnType<typeof createChatHarness>,
    forwardedFor: string,
    room = uniqueRoom('q'),
  ) =>
    chat.call('POST', `/rooms/${room}/tokens`, {
      body: { userName: 'Ana' },
      headers: { 'X-Forwarded-For': forwardedFor },
    })

  describe('tokens in open rooms, per client address', () => {
    it('answers 429 with Retry-After once an address has joined 3 times, across instances', async () => {
      const client = address()
      expect((await join(first, client)).status).toBe(201)
      expect((await join(second, client)).status).toBe(201)
      expect((await join(first, client)).status).toBe(201)

      const refused = await join(second, client)
      const error = await expectError(refused, 429, 'rate_limited')
      expect(error.message).toMatch(/at most 3 an hour\). Try again in \d+ s\./)
      const retryAfter = Number(refused.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(3600)

      // Someone else is not held back by that address's quota.
      expect((await join(first, address())).status).toBe(201)
    })

    it('counts the address the trusted proxy appended, not what the client claims before it', async () => {
      const client = address()
      for (let attempt = 0; attempt < 3; attempt++) {
        // A new made-up address in front each time: the proxy's entry (last) still decides.
        expect((await join(first, `203.0.113.${attempt}, ${client}`)).status).toBe(201)
      }
      await expectError(await join(first, `203.0.113.99, ${client}`), 429, 'rate_limited')
    })

    it('ignores X-Forwarded-For when no proxy is configured', async () => {
      // Without a proxy the header is the client's own claim: changing it must not reset the quota.
      // In process there is no peer address, so every such request counts as one client.
      const statuses: number[] = []
      for (let attempt = 0; attempt < 4; attempt++) {
        statuses.push((await join(direct, address())).status)
      }
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(1)
    })
  })

  describe('edits and deletions, per person', () => {
    it('answers 429 on the fourth edit or deletion within the window, text unchanged', async () => {
      const room = uniqueRoom('q')
      const token = await first.tokenFor(room)
      const id = first.newIdFor(token)
      const posted = await first.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id, body: 'v0' },
      })
      expect(posted.status).toBe(201)
      const edit = (chat: typeof first, body: string) =>
        chat.call('PATCH', `/rooms/${room}/messages/${id}`, { token, body: { body } })

      expect((await edit(first, 'v1')).status).toBe(200)
      expect((await edit(second, 'v2')).status).toBe(200)
      expect((await edit(first, 'v3')).status).toBe(200)
      const refused = await edit(second, 'v4')
      const error = await expectError(refused, 429, 'rate_limited')
      expect(error.message).toMatch(/editing or deleting messages too quickly/)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)

      const deletion = await first.call('DELETE', `/rooms/${room}/messages/${id}`, { token })
      await expectError(deletion, 429, 'rate_limited')
      const [row] = await first.sql<{ body: string; deleted_at: Date | null }[]>`
        select body, deleted_at from chat.messages where id = ${id}::uuid`
      expect(row).toEqual({ body: 'v3', deleted_at: null })
    })
  })

  describe('transcripts, per person', () => {
    it('answers 429 on the third download within the window', async () => {
      const room = uniqueRoom('q')
      const token = await first.tokenFor(room)
      const download = (chat: typeof first) =>
        chat.call('GET', `/rooms/${room}/transcript`, { token })
      expect((await download(first)).status).toBe(200)
      expect((await download(second)).status).toBe(200)
      const error = await expectError(await download(first), 429, 'rate_limited')
      expect(error.message).toMatch(/downloading transcripts too often \(at most 2 an hour\)/)
    })
  })

  describe('reports, per person', () => {
    it('answers 429 on the third report within the window, across instances', async () => {
      const room = uniqueRoom('q')
      const author = await first.tokenFor(room, 'Author')
      const reporter = await first.tokenFor(room, 'Reporter')
      const ids: string[] = []
      for (const body of ['one', 'two', 'three']) {
        const id = first.newIdFor(author)
        expect(
          (
            await first.call('POST', `/rooms/${room}/messages`, {
              token: author,
              body: { id, body },
            })
          ).status,
        ).toBe(201)
        ids.push(id)
      }
      const report = (chat: typeof first, id: string | undefined) =>
        chat.call('POST', `/rooms/${room}/messages/${id}/reports`, {
          token: reporter,
          body: { reason: 'spam' },
        })
      expect((await report(first, ids[0])).status).toBe(201)
      expect((await report(second, ids[1])).status).toBe(201)
      const error = await expectError(await report(first, ids[2]), 429, 'rate_limited')
      expect(error.message).toMatch(/reporting too often \(at most 2 an hour\)/)
    })
  })

  it('describes quotas the way people read them', () => {
    expect(describeQuota({ count: 30, windowSeconds: 60 })).toBe('30 a minute')
    expect(describeQuota({ count: 5, windowSeconds: 300 })).toBe('5 in 5 minutes')
    expect(describeQuota({ count: 100, windowSeconds: 3600 })).toBe('100 an hour')
    expect(describeQuota({ count: 2, windowSeconds: 90 })).toBe('2 in 90 s')
  })
})

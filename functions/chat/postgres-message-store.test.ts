import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { uniqueRoom } from '../../test/chat-harness.ts'
import { createPostgresMessageStore } from './postgres-message-store.ts'

const store = createPostgresMessageStore(inject('databaseUrl'), { poolMax: 8 })
afterAll(() => store.close())

const noLimit = { messages: 10_000, windowSeconds: 10 }

describe('createPostgresMessageStore', () => {
  it('never lets a gap-filling reader skip a message written concurrently', async () => {
    const room = uniqueRoom('gap')
    const senders = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, name: `User ${id}` }))
    const perSender = 15
    // Each write's outcome, so that a failure says whether a message was not stored at all or
    // stored and then skipped by the reader.
    const outcomes: string[] = []
    const written = Promise.all(
      senders.map(async (sender) => {
        for (let i = 0; i < perSender; i++) {
          const outcome = await store.persistMessage(
            { id: randomUUID(), room, sender, body: `${sender.id}${i}`, attachments: [] },
            noLimit,
          )
          outcomes.push(`${sender.id}${i}: ${outcome.kind}`)
        }
      }),
    )

    // The reader keeps asking for everything after the last seq it saw, as a client does after
    // a reconnect. Were seq to commit out of order, a late commit below the cursor would be lost.
    const seen: string[] = []
    let cursor = 0
    let writing = true
    written.then(() => {
      writing = false
    })
    while (writing || seen.length < senders.length * perSender) {
      // Whether every write had ended before this read was asked for: only then does an empty
      // page mean the end. Read after the page comes back, the flag may have flipped while the
      // read (its snapshot taken before the last commit) was on its way.
      const afterTheWrites = !writing
      const page = await store.loadHistoryPage(
        room,
        { limit: 200, after: cursor || undefined },
        'reader',
      )
      for (const message of page.messages) seen.push(message.body)
      cursor = page.messages.at(-1)?.seq ?? cursor
      if (afterTheWrites && page.messages.length === 0) break
    }
    await written
    expect(outcomes.filter((outcome) => !outcome.endsWith(': created'))).toEqual([])
    expect(seen).toHaveLength(senders.length * perSender)
    expect(new Set(seen).size).toBe(senders.length * perSender)
  })

  it('tells a rate-limited sender how long to wait', async () => {
    const room = uniqueRoom('limit')
    const sender = { id: 'u1', name: 'Ana' }
    const limit = { messages: 2, windowSeconds: 30 }
    const post = () =>
      store.persistMessage({ id: randomUUID(), room, sender, body: 'hi', attachments: [] }, limit)
    const started = Date.now()
    expect((await post()).kind).toBe('created')
    expect((await post()).kind).toBe('created')
    const limited = await post()
    const tookSeconds = (Date.now() - started) / 1000
    expect(limited).toMatchObject({ kind: 'rate_limited' })
    if (limited.kind !== 'rate_limited') throw new Error('unreachable')
    // What is left of the 30 s opened by the first message, however long the writes took.
    expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(Math.floor(30 - tookSeconds))
    expect(limited.retryAfterSeconds).toBeLessThanOrEqual(30)
  })
})

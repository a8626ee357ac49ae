import type { StoredMessage } from '@shared/protocol.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../../../test-support/fake-clock.ts'
import { ChatApiError } from './chat-api.ts'
import { Outbox, type OutboxEntry, type OutboxOptions } from './outbox.ts'

const KEY = 'backchannel:outbox:standup:user-ana'

/** localStorage as the outbox uses it, in memory. */
class MemoryStorage {
  readonly data = new Map<string, string>()
  writes = 0
  getItem(key: string): string | null {
    return this.data.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    this.writes++
    this.data.set(key, value)
  }
  /** The entries kept under KEY, parsed. */
  saved(): OutboxEntry[] {
    return JSON.parse(this.data.get(KEY) ?? 'null')
  }
}

/** How a test answers a write attempt: the stored message, or the ChatApiError the API throws. */
type PersistResult = StoredMessage | ChatApiError

interface Call {
  entry: OutboxEntry
  resolve: (result: PersistResult) => void
  reject: (error: unknown) => void
}

const newEntry = (n: number) => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  room: 'standup',
  body: `hello ${n}`,
  attachments: [],
  createdAt: `2030-01-01T00:00:0${n}.000Z`,
})

const storedFor = (entry: { id: string; body: string }, seq = 1): StoredMessage => ({
  id: entry.id,
  room: 'standup',
  sender: { id: 'user-ana', name: 'Ana' },
  body: entry.body,
  attachments: [],
  createdAt: '2030-01-01T00:01:00.000Z',
  seq,
})

const ok = (entry: { id: string; body: string }): PersistResult => storedFor(entry)
const retryable = (error = 'Server error (503)', retryAfterMs?: number): PersistResult =>
  new ChatApiError(503, 'http_error', error, retryAfterMs)
const refused = (error = 'Refused (400)'): PersistResult =>
  new ChatApiError(400, 'invalid_message', error)

/** The write attempt's outcome as `persist` gives it: the stored message, or a throw. */
const settleWith = (result: PersistResult): Promise<StoredMessage> =>
  result instanceof ChatApiError ? Promise.reject(result) : Promise.resolve(result)

/**
 * An outbox over fake time and memory storage. By default each write attempt waits until the test
 * settles it through `calls`; `respond` answers every attempt at once instead.
 */
function setup(
  options: Partial<OutboxOptions> & {
    respond?: (entry: OutboxEntry) => PersistResult | Promise<PersistResult>
  } = {},
) {
  const { respond, ...overrides } = options
  const clock = new FakeClock()
  const storage = new MemoryStorage()
  const calls: Call[] = []
  const changes: { entry: OutboxEntry; stored?: StoredMessage }[] = []
  const make = (extra: Partial<OutboxOptions> = {}) =>
    new Outbox({
      storage,
      storageKey: KEY,
      clock,
      persist: (entry) => {
        if (!respond) {
          return new Promise((resolve, reject) =>
            calls.push({
              entry,
              resolve: (result) => settleWith(result).then(resolve, reject),
              reject,
            }),
          )
        }
        calls.push({ entry, resolve: () => {}, reject: () => {} })
        return Promise.resolve(respond(entry)).then(settleWith)
      },
      onChange: (entry, stored) => changes.push(stored ? { entry, stored } : { entry }),
      ...overrides,
      ...extra,
    })
  return { clock, storage, calls, changes, make, outbox: make() }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('Outbox', () => {
  describe('the first attempt', () => {
    it('keeps the entry, reports it and calls persist within add', () => {
      const { outbox, storage, calls, changes } = setup()

      outbox.add(newEntry(1))

      const pending = { ...newEntry(1), attempts: 0, state: 'pending' }
      expect(storage.saved()).toEqual([pending])
      expect(changes).toEqual([{ entry: pending }])
      expect(calls.map((call) => call.entry)).toEqual([{ ...pending, attempts: 1 }])
    })

    it('forgets the entry once written and reports the stored message', async () => {
      const { outbox, storage, calls, changes, clock } = setup()
      outbox.add(newEntry(1))

      calls[0]?.resolve(ok(newEntry(1)))
      await outbox.settled()

      expect(storage.saved()).toEqual([])
      expect(outbox.entries()).toEqual([])
      expect(changes).toHaveLength(2)
      expect(changes[1]?.entry.id).toBe(newEntry(1).id)
      expect(changes[1]?.stored).toEqual(storedFor(newEntry(1)))
      expect(clock.pendingTimers()).toBe(0)
    })

    it('ignores a second add of a known id', () => {
      const { outbox, calls, changes } = setup()
      outbox.add(newEntry(1))

      outbox.add({ ...newEntry(1), body: 'again' })

      expect(calls).toHaveLength(1)
      expect(changes).toHaveLength(1)
      expect(outbox.entries().map((entry) => entry.body)).toEqual(['hello 1'])
    })
  })

  describe('backoff', () => {
    /** Attempts one by one: each fails, then the next must come exactly `delay` ms later. */
    async function expectDelays(
      context: ReturnType<typeof setup>,
      delays: number[],
    ): Promise<void> {
      const { clock, calls, outbox } = context
      for (const [i, delay] of delays.entries()) {
        await outbox.settled()
        clock.advance(delay - 1)
        expect(calls, `attempt ${i + 2} before ${delay} ms`).toHaveLength(i + 1)
        clock.advance(1)
        expect(calls, `attempt ${i + 2} at ${delay} ms`).toHaveLength(i + 2)
      }
    }

    it('waits 1 s, 2 s, 4 s... between attempts, up to maxDelayMs', async () => {
      const context = setup({ respond: () => retryable(), maxAttempts: 8, maxDelayMs: 10_000 })
      context.outbox.add(newEntry(1))

      await expectDelays(context, [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000])

      expect(context.calls.map((call) => call.entry.attempts)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    })

    it('keeps the entry pending with the error while it waits', async () => {
      const { outbox, storage, changes } = setup({ respond: () => retryable('Server error (500)') })

      outbox.add(newEntry(1))
      await outbox.settled()

      const waiting = {
        ...newEntry(1),
        attempts: 1,
        state: 'pending',
        error: 'Server error (500)',
      }
      expect(changes.at(-1)).toEqual({ entry: waiting })
      expect(storage.saved()).toEqual([waiting])
      expect(outbox.entries()).toEqual([waiting])
    })

    it('uses baseDelayMs as the first delay', async () => {
      const context = setup({ respond: () => retryable(), baseDelayMs: 250 })
      context.outbox.add(newEntry(1))

      await expectDelays(context, [250, 500, 1000])
    })

    it('gives up after 10 attempts 1, 2, 4, 8 s and then 15 s apart by default', async () => {
      const context = setup({ respond: () => retryable('Server error (503)') })
      context.outbox.add(newEntry(1))

      await expectDelays(context, [1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000, 15_000])
      await context.outbox.settled()

      const failed = { ...newEntry(1), attempts: 10, state: 'failed', error: 'Server error (503)' }
      expect(context.changes.at(-1)).toEqual({ entry: failed })
      expect(context.storage.saved()).toEqual([failed])
      expect(context.clock.pendingTimers()).toBe(0)
      context.clock.advance(3_600_000)
      expect(context.calls).toHaveLength(10)
    })

    it('writes a message once the database is back after a restart of a minute', async () => {
      const restartEndsAt = 60_000
      let now = 0
      const context = setup({
        respond: (entry) =>
          now < restartEndsAt
            ? retryable('The chat database is not reachable right now. Try again in a few seconds.')
            : ok(entry),
      })
      const { outbox, clock, calls, changes } = context
      outbox.add(newEntry(1))
      await outbox.settled()
      // Time passes in steps of a second; each attempt is answered as the database is then.
      while (!changes.some((change) => change.stored) && now < 10 * 60_000) {
        now += 1000
        clock.advance(1000)
        await outbox.settled()
      }

      expect(changes.filter((change) => change.stored)).toHaveLength(1)
      expect(changes.at(-1)?.stored).toMatchObject({ id: newEntry(1).id })
      expect(outbox.entries()).toEqual([])
      expect(calls.every((call) => call.entry.id === newEntry(1).id)).toBe(true)
    })

    it('gives up after maxAttempts', async () => {
      const context = setup({ respond: () => retryable(), maxAttempts: 2 })
      context.outbox.add(newEntry(1))

      await expectDelays(context, [1000])
      await context.outbox.settled()

      expect(context.outbox.entries()[0]).toMatchObject({ state: 'failed', attempts: 2 })
      expect(context.clock.pendingTimers()).toBe(0)
    })

    it('waits for Retry-After when it is longer than the backoff', async () => {
      const answers = [retryable('Too many requests', 5000), retryable(), retryable()]
      const context = setup({ respond: () => answers.shift() ?? retryable() })
      context.outbox.add(newEntry(1))

      await expectDelays(context, [5000, 2000])
    })

    it('keeps the backoff when Retry-After is shorter', async () => {
      const answers = [retryable(), retryable('Too many requests', 500)]
      const context = setup({ respond: () => answers.shift() ?? retryable() })
      context.outbox.add(newEntry(1))

      await expectDelays(context, [1000, 2000])
    })

    it('treats a thrown persist as a retryable network error', async () => {
      const { outbox, calls, clock } = setup()
      outbox.add(newEntry(1))

      calls[0]?.reject(new TypeError('Failed to fetch'))
      await outbox.settled()

      expect(outbox.entries()[0]).toMatchObject({
        state: 'pending',
        error: 'Network error: Failed to fetch',
      })
      expect(clock.nextTimerIn()).toBe(1000)
    })

    it('treats a persist that throws before returning a promise the same way', async () => {
      const { outbox, clock } = setup({
        persist: () => {
          throw new Error('offline')
        },
      })

      outbox.add(newEntry(1))
      await outbox.settled()

      expect(outbox.entries()[0]).toMatchObject({
        state: 'pending',
        error: 'Network error: offline',
      })
      expect(clock.nextTimerIn()).toBe(1000)
    })
  })

  describe('failures that are not retryable', () => {
    it('fail the entry at once, keeping it for Retry', async () => {
      const { outbox, storage, changes, calls, clock } = setup({ respond: () => refused() })

      outbox.add(newEntry(1))
      await outbox.settled()

      const failed = { ...newEntry(1), attempts: 1, state: 'failed', error: 'Refused (400)' }
      expect(changes.at(-1)).toEqual({ entry: failed })
      expect(storage.saved()).toEqual([failed])
      expect(clock.pendingTimers()).toBe(0)
      clock.advance(60_000)
      expect(calls).toHaveLength(1)
    })
  })

  describe('retry', () => {
    it('tries a failed entry again with a fresh count', async () => {
      const answers = [refused(), retryable()]
      const context = setup({ respond: (entry) => answers.shift() ?? ok(entry) })
      const { outbox, changes, calls, clock, storage } = context
      outbox.add(newEntry(1))
      await outbox.settled()

      outbox.retry(newEntry(1).id)

      const reset = { ...newEntry(1), attempts: 0, state: 'pending' }
      expect(changes.at(-1)).toEqual({ entry: reset })
      expect(calls).toHaveLength(2)
      expect(calls[1]?.entry).toEqual({ ...reset, attempts: 1 })
      // The fresh count means the first backoff again, then the write.
      await outbox.settled()
      expect(clock.nextTimerIn()).toBe(1000)
      clock.advance(1000)
      await outbox.settled()
      expect(changes.at(-1)?.stored).toEqual(storedFor(newEntry(1)))
      expect(storage.saved()).toEqual([])
    })

    it('brings a waiting entry forward and drops its timer', async () => {
      const answers = [retryable(), retryable()]
      const { outbox, calls, clock } = setup({
        respond: (entry) => answers.shift() ?? ok(entry),
        maxDelayMs: 1000,
      })
      outbox.add(newEntry(1))
      await outbox.settled()
      clock.advance(1000)
      await outbox.settled()
      expect(calls).toHaveLength(2)

      outbox.retry(newEntry(1).id)

      expect(calls).toHaveLength(3)
      await outbox.settled()
      expect(outbox.entries()).toEqual([])
      expect(clock.pendingTimers()).toBe(0)
      clock.advance(60_000)
      expect(calls).toHaveLength(3)
    })

    it('does nothing for an unknown id', () => {
      const { outbox, calls, changes } = setup()

      outbox.retry('nobody')

      expect(calls).toHaveLength(0)
      expect(changes).toHaveLength(0)
    })
  })

  describe('one attempt at a time', () => {
    it('runs retry() made during an attempt after that attempt fails', async () => {
      const { outbox, calls } = setup()
      outbox.add(newEntry(1))

      outbox.retry(newEntry(1).id)
      outbox.resume()
      expect(calls).toHaveLength(1)

      calls[0]?.resolve(retryable())
      await outbox.settled()
      expect(calls).toHaveLength(2)
      expect(calls[1]?.entry.attempts).toBe(1)
      calls[1]?.resolve(ok(newEntry(1)))
      await outbox.settled()
      expect(outbox.entries()).toEqual([])
    })

    it('drops retry() made during an attempt that succeeds', async () => {
      const { outbox, calls, changes } = setup()
      outbox.add(newEntry(1))
      outbox.retry(newEntry(1).id)

      calls[0]?.resolve(ok(newEntry(1)))
      await outbox.settled()

      expect(calls).toHaveLength(1)
      expect(changes.at(-1)?.stored).toBeDefined()
    })

    it('does not start a second attempt from resume() while the first is in flight', async () => {
      const { outbox, calls, clock } = setup()
      outbox.add(newEntry(1))

      outbox.resume()
      clock.advance(0)

      expect(calls).toHaveLength(1)
    })

    it('writes each entry independently', async () => {
      const { outbox, calls, storage } = setup()
      outbox.add(newEntry(1))
      outbox.add(newEntry(2))
      outbox.add(newEntry(3))
      expect(calls.map((call) => call.entry.id)).toEqual([1, 2, 3].map((n) => newEntry(n).id))

      calls[0]?.resolve(retryable())
      calls[1]?.resolve(ok(newEntry(2)))
      calls[2]?.resolve(refused())
      await outbox.settled()

      // Waiting or failed, every entry not yet written stays in storage, in order.
      expect(storage.saved().map((entry) => [entry.body, entry.state])).toEqual([
        ['hello 1', 'pending'],
        ['hello 3', 'failed'],
      ])
    })
  })

  describe('reload', () => {
    /** Storage left behind by a page with one entry waiting for a retry and one failed. */
    async function leftBehind() {
      const context = setup()
      context.outbox.add(newEntry(1))
      context.outbox.add(newEntry(2))
      context.calls[0]?.resolve(retryable())
      context.calls[1]?.resolve(refused())
      await context.outbox.settled()
      context.outbox.dispose()
      context.calls.length = 0
      context.changes.length = 0
      return context
    }

    it('restores pending and failed entries, oldest first, without writing yet', async () => {
      const { make, calls } = await leftBehind()

      const reloaded = make()

      expect(reloaded.entries()).toEqual([
        { ...newEntry(1), attempts: 1, state: 'pending', error: 'Server error (503)' },
        { ...newEntry(2), attempts: 1, state: 'failed', error: 'Refused (400)' },
      ])
      expect(calls).toHaveLength(0)
    })

    it('writes restored pending entries on resume(), leaving failed ones for Retry', async () => {
      const { make, calls, changes, storage } = await leftBehind()
      const reloaded = make()

      reloaded.resume()

      expect(calls.map((call) => call.entry)).toEqual([
        { ...newEntry(1), attempts: 2, state: 'pending', error: 'Server error (503)' },
      ])
      calls[0]?.resolve(ok(newEntry(1)))
      await reloaded.settled()
      expect(changes.at(-1)?.stored).toEqual(storedFor(newEntry(1)))
      expect(storage.saved().map((entry) => entry.id)).toEqual([newEntry(2).id])

      reloaded.retry(newEntry(2).id)
      calls[1]?.resolve(ok(newEntry(2)))
      await reloaded.settled()
      expect(storage.saved()).toEqual([])
    })

    it('continues the count of attempts across a reload', async () => {
      const context = setup({ respond: () => retryable() })
      context.storage.setItem(
        KEY,
        JSON.stringify([{ ...newEntry(1), attempts: 9, state: 'pending', error: 'Timeout' }]),
      )
      const reloaded = context.make()

      reloaded.resume()
      await reloaded.settled()

      expect(reloaded.entries()[0]).toMatchObject({ attempts: 10, state: 'failed' })
    })

    it('starts empty without stored entries', () => {
      const { outbox } = setup()

      expect(outbox.entries()).toEqual([])
    })

    it('starts empty, with a warning, from corrupt storage', () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      const { storage, make } = setup()

      storage.setItem(KEY, '[{"id": ')
      expect(make().entries()).toEqual([])
      storage.setItem(KEY, '{"id": "x"}')
      expect(make().entries()).toEqual([])

      expect(warn).toHaveBeenCalledTimes(2)
    })

    it('drops unreadable entries and keeps the rest', () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      const { storage, make } = setup()
      const good = { ...newEntry(1), attempts: 0, state: 'pending' }
      storage.setItem(KEY, JSON.stringify([null, { ...good, state: 'sent' }, good, { id: 3 }]))

      expect(make().entries()).toEqual([good])
      expect(warn).toHaveBeenCalledOnce()
    })

    it('still writes when storage refuses to save', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      const { outbox, storage, calls, changes } = setup()
      storage.setItem = () => {
        throw new Error('QuotaExceededError')
      }

      outbox.add(newEntry(1))
      calls[0]?.resolve(ok(newEntry(1)))
      await outbox.settled()

      expect(changes.at(-1)?.stored).toBeDefined()
      expect(warn).toHaveBeenCalled()
    })
  })

  describe('entries()', () => {
    it('hands out copies', () => {
      const { outbox } = setup()
      outbox.add(newEntry(1))

      const [entry] = outbox.entries()
      if (entry) entry.state = 'failed'

      expect(outbox.entries()[0]?.state).toBe('pending')
    })
  })

  describe('dispose', () => {
    it('stops scheduled attempts', async () => {
      const { outbox, calls, clock } = setup({ respond: () => retryable() })
      outbox.add(newEntry(1))
      await outbox.settled()

      outbox.dispose()

      expect(clock.pendingTimers()).toBe(0)
      clock.advance(3_600_000)
      expect(calls).toHaveLength(1)
    })

    it('ignores the outcome of an attempt in flight, leaving storage as it was', async () => {
      const { outbox, calls, changes, storage } = setup()
      outbox.add(newEntry(1))
      const writes = storage.writes

      outbox.dispose()
      calls[0]?.resolve(ok(newEntry(1)))
      await outbox.settled()

      expect(changes).toHaveLength(1)
      expect(storage.writes).toBe(writes)
      expect(storage.saved().map((entry) => entry.id)).toEqual([newEntry(1).id])
    })

    it('makes add, retry and resume do nothing', () => {
      const { outbox, calls, changes, clock } = setup()
      outbox.dispose()

      outbox.add(newEntry(1))
      outbox.retry(newEntry(1).id)
      outbox.resume()
      clock.advance(60_000)

      expect(calls).toHaveLength(0)
      expect(changes).toHaveLength(0)
    })
  })
})

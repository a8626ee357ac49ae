import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { keepRunning, type SupervisedServer } from './keep-running.ts'

const BACKOFF = { firstMs: 500, maxMs: 4_000, healthyAfterMs: 60_000 }

/** A server double: `exit(how)` makes it go on its own; stop() makes it go too. */
function fakeServer(pid: number) {
  let exit = (_how: string) => {}
  const exited = new Promise<string>((resolve) => {
    exit = resolve
  })
  const server = {
    pid,
    exited,
    stopped: false,
    exit,
    stop: vi.fn(async () => {
      server.stopped = true
      exit('stopped')
    }),
  }
  return server
}

type FakeServer = ReturnType<typeof fakeServer>

describe('keepRunning', () => {
  let lines: string[]
  let started: FakeServer[]
  let failures: number
  const start = vi.fn(async (): Promise<SupervisedServer> => {
    if (failures > 0) {
      failures -= 1
      throw new Error('its port is still taken')
    }
    const server = fakeServer(100 + started.length)
    started.push(server)
    return server
  })
  const keep = (first: FakeServer) =>
    keepRunning(first, {
      name: 'PostgreSQL',
      start,
      log: (line) => lines.push(line),
      backoff: BACKOFF,
    })

  beforeEach(() => {
    vi.useFakeTimers()
    lines = []
    started = []
    failures = 0
    start.mockClear()
  })
  afterEach(() => vi.useRealTimers())

  it('says the server went, starts it again after the first wait, and says it is back', async () => {
    const first = fakeServer(1)
    const kept = keep(first)
    first.exit('was killed (SIGKILL)')
    await vi.advanceTimersByTimeAsync(499)
    expect(start).not.toHaveBeenCalled()
    expect(lines).toEqual(['PostgreSQL (pid 1) was killed (SIGKILL); starting it again in 0.5 s…'])

    await vi.advanceTimersByTimeAsync(1)
    expect(kept.current().pid).toBe(100)
    expect(lines.at(-1)).toBe('PostgreSQL is back (pid 100).')
    await kept.stop()
  })

  it('doubles the wait after each failed attempt up to its cap, and each exit soon after a start', async () => {
    failures = 4
    const first = fakeServer(1)
    const kept = keep(first)
    first.exit('stopped')
    // 0.5 s, then 1, 2, 4 and 4 s (capped) between the attempts.
    for (const ms of [500, 1_000, 2_000, 4_000]) {
      const attempts = start.mock.calls.length
      await vi.advanceTimersByTimeAsync(ms)
      expect(start).toHaveBeenCalledTimes(attempts + 1)
    }
    expect(lines.at(-1)).toBe(
      'PostgreSQL did not start again: its port is still taken\nTrying again in 4 s…',
    )
    await vi.advanceTimersByTimeAsync(3_999)
    expect(started).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(started).toHaveLength(1)

    // Crashing again at once is no reason to hurry: the wait stays long.
    started[0]?.exit('exited with code 1')
    expect(await nextLine()).toBe(
      'PostgreSQL (pid 100) exited with code 1; starting it again in 4 s…',
    )
    await kept.stop()
  })

  it('waits the first wait again after the server ran healthy for a while', async () => {
    failures = 2
    const first = fakeServer(1)
    const kept = keep(first)
    first.exit('stopped')
    await vi.advanceTimersByTimeAsync(500 + 1_000 + 2_000)
    expect(started).toHaveLength(1)

    await vi.advanceTimersByTimeAsync(BACKOFF.healthyAfterMs)
    started[0]?.exit('was killed (SIGKILL)')
    expect(await nextLine()).toBe(
      'PostgreSQL (pid 100) was killed (SIGKILL); starting it again in 0.5 s…',
    )
    await kept.stop()
  })

  it('starts nothing again once stopped, even while a restart is waiting', async () => {
    const first = fakeServer(1)
    const kept = keep(first)
    await kept.stop()
    expect(first.stopped).toBe(true)
    await vi.advanceTimersByTimeAsync(BACKOFF.maxMs * 2)
    expect(start).not.toHaveBeenCalled()

    const second = fakeServer(2)
    const waiting = keep(second)
    second.exit('was killed (SIGKILL)')
    await vi.advanceTimersByTimeAsync(100)
    await waiting.stop()
    await vi.advanceTimersByTimeAsync(BACKOFF.maxMs * 2)
    expect(start).not.toHaveBeenCalled()
    expect(lines.at(-1)).toMatch(/starting it again in 0\.5 s…$/)
  })

  it('stops the server a restart was starting when stop() came', async () => {
    let release = () => {}
    const late = fakeServer(7)
    start.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(late))))
    const first = fakeServer(1)
    const kept = keep(first)
    first.exit('stopped')
    await vi.advanceTimersByTimeAsync(500)
    expect(start).toHaveBeenCalledTimes(1)

    const stopping = kept.stop()
    release()
    await stopping
    expect(late.stopped).toBe(true)
    expect(lines.some((line) => line.includes('is back'))).toBe(false)
  })

  /** The last line logged, once the exit has been noticed (a promise callback, not a timer). */
  async function nextLine(): Promise<string | undefined> {
    await vi.advanceTimersByTimeAsync(0)
    return lines.at(-1)
  }
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { createDatabaseGate, gateMethods } from './database-gate.ts'

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })

/** A database double whose probe answers as the test says, counting the probes. */
function setup(timeoutMs = 1000) {
  let up = false
  const probes = { count: 0 }
  const gate = createDatabaseGate({
    timeoutMs,
    probe: async () => {
      probes.count++
      if (!up) throw refused()
    },
  })
  return { gate, probes, comeBack: () => (up = true) }
}

afterEach(() => vi.useRealTimers())

describe('createDatabaseGate', () => {
  it('runs calls while the database answers', async () => {
    const { gate, probes } = setup()
    await expect(gate.run(async () => 'rows')).resolves.toBe('rows')
    expect(probes.count).toBe(0)
  })

  it('after a lost connection, refuses calls without running them until a probe succeeds', async () => {
    const { gate, probes, comeBack } = setup()
    await expect(gate.run(() => Promise.reject(refused()))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    })
    expect(gate.available).toBe(false)

    const call = vi.fn(async () => 'rows')
    await expect(gate.run(call)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' })
    expect(call).not.toHaveBeenCalled()

    comeBack()
    await expect(gate.run(call)).resolves.toBe('rows')
    expect(call).toHaveBeenCalledTimes(1)
    expect(gate.available).toBe(true)
    expect(probes.count).toBe(2)
  })

  it('shares one probe among the calls that arrive while it runs', async () => {
    let answer: () => void = () => {}
    let probes = 0
    const gate = createDatabaseGate({
      timeoutMs: 1000,
      probe: () => {
        probes++
        return new Promise<void>((resolve) => {
          answer = resolve
        })
      },
    })
    await gate.run(() => Promise.reject(refused())).catch(() => {})
    const waiting = Array.from({ length: 50 }, () => gate.run(async () => 'rows'))
    answer()
    await expect(Promise.all(waiting)).resolves.toHaveLength(50)
    expect(probes).toBe(1)
  })

  it('gives up waiting at the deadline without cancelling the call, which may still finish', async () => {
    vi.useFakeTimers()
    const { gate } = setup(300)
    let finish: (rows: string) => void = () => {}
    const late = new Promise<string>((resolve) => {
      finish = resolve
    })
    const waited = gate.run(() => late)
    const outcome = expect(waited).rejects.toMatchObject({ code: 'DATABASE_TIMEOUT' })
    await vi.advanceTimersByTimeAsync(300)
    await outcome
    // The query itself goes on and ends by itself; nothing was raised for its late result.
    finish('rows')
    await expect(late).resolves.toBe('rows')
    expect(gate.available).toBe(false)
  })

  it('leaves other errors (a bug, a refusal) to the caller and stays open', async () => {
    const { gate } = setup()
    const bug = Object.assign(new Error('syntax error'), { code: '42601' })
    await expect(gate.run(() => Promise.reject(bug))).rejects.toBe(bug)
    expect(gate.available).toBe(true)
  })
})

describe('gateMethods', () => {
  it('runs each method through the gate except those named, with its arguments', async () => {
    const { gate } = setup()
    const store = {
      load: async (room: string, limit: number) => `${room}:${limit}`,
      fail: async () => {
        throw refused()
      },
      close: vi.fn(async () => {}),
    }
    const gated = gateMethods(store, gate, ['close'])
    await expect(gated.load('standup', 5)).resolves.toBe('standup:5')
    await expect(gated.fail()).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    // Down now: gated methods fail at once, closing still works.
    await expect(gated.load('standup', 5)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' })
    await gated.close()
    expect(store.close).toHaveBeenCalledTimes(1)
  })
})

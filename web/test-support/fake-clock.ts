import type { Clock } from '../src/library/engine/clock.ts'

interface Timer {
  handle: number
  due: number
  callback: () => void
}

/**
 * A Clock for tests: time stands still until `advance` moves it, running due timers in order.
 */
export class FakeClock implements Clock {
  // A realistic epoch rather than 0, so that code treating a time of 0 as "never" shows up.
  static readonly DEFAULT_START = Date.parse('2030-01-01T00:00:00.000Z')

  private time: number
  private nextHandle = 1
  // Kept in the order the timers fire: by due time, then by scheduling order.
  private timers: Timer[] = []

  constructor(start = FakeClock.DEFAULT_START) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  setTimeout(callback: () => void, ms: number): number {
    // Browsers and Node treat a negative or missing delay as 0.
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0
    const timer = { handle: this.nextHandle++, due: this.time + delay, callback }
    // After every timer due at the same time or earlier: same-time timers fire in scheduling order.
    let index = this.timers.length
    while (index > 0 && (this.timers[index - 1] as Timer).due > timer.due) index--
    this.timers.splice(index, 0, timer)
    return timer.handle
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.handle !== handle)
  }

  /** Moves time forward by `ms`, running every timer that falls due, each at its own time. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance needs ms >= 0, got ${ms}`)
    const target = this.time + ms
    for (;;) {
      const next = this.timers[0]
      if (!next || next.due > target) break
      this.timers.shift()
      this.time = next.due
      next.callback()
    }
    this.time = target
  }

  /** How many timers are scheduled and not yet run or cleared. */
  pendingTimers(): number {
    return this.timers.length
  }

  /** Milliseconds until the next timer is due, or undefined when none is scheduled. */
  nextTimerIn(): number | undefined {
    const next = this.timers[0]
    return next && next.due - this.time
  }
}

import { afterEach, describe, expect, it, vi } from 'vitest'
import { Emitter } from './emitter.ts'

type Events = {
  message: (text: string, from: string) => void
  closed: () => void
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('Emitter', () => {
  it("calls an event's listeners in the order they were added, with its arguments", () => {
    const events = new Emitter<Events>()
    const calls: string[] = []
    events.on('message', (text, from) => calls.push(`first ${text} ${from}`))
    events.on('message', (text) => calls.push(`second ${text}`))
    events.on('closed', () => calls.push('closed'))

    events.emit('message', 'hi', 'ana')

    expect(calls).toEqual(['first hi ana', 'second hi'])
  })

  it('stops calling a listener once it is removed', () => {
    const events = new Emitter<Events>()
    const calls: string[] = []
    const off = events.on('message', (text) => calls.push(text))

    events.emit('message', 'one', 'ana')
    off()
    events.emit('message', 'two', 'ana')

    expect(calls).toEqual(['one'])
    expect(events.listenerCount('message')).toBe(0)
  })

  it('keeps calling the others when one throws, and reports the error apart', () => {
    const events = new Emitter<Events>()
    const reported: Array<() => void> = []
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      reported.push(task)
    })
    const failure = new Error('listener bug')
    const calls: string[] = []
    events.on('closed', () => {
      throw failure
    })
    events.on('closed', () => calls.push('still called'))

    expect(() => events.emit('closed')).not.toThrow()

    expect(calls).toEqual(['still called'])
    expect(reported).toHaveLength(1)
    expect(() => reported[0]?.()).toThrow(failure)
  })

  it('lets a listener remove itself or add another while the event is emitted', () => {
    const events = new Emitter<Events>()
    const calls: string[] = []
    const off = events.on('closed', () => {
      calls.push('once')
      off()
      events.on('closed', () => calls.push('added'))
    })

    events.emit('closed')
    events.emit('closed')

    expect(calls).toEqual(['once', 'added'])
  })
})

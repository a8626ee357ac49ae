import { describe, expect, it } from 'vitest'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { ArrivalLog, RECENT_ARRIVALS } from './arrivals.ts'

const message = (id: string, own = false): TimelineMessage => ({
  id,
  sender: own ? { id: 'user-me', name: 'Me' } : { id: 'user-ana', name: 'Ana' },
  body: `message ${id}`,
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  status: own ? 'sending' : 'live',
  own,
})

describe('ArrivalLog', () => {
  it("counts each of someone else's messages once, the first time it shows", () => {
    const log = new ArrivalLog()
    const a = message('a')
    const b = message('b')

    log.observe([a])
    log.observe([a, b])
    log.observe([{ ...a, body: 'edited' }, b])

    expect(log.getSnapshot()).toEqual({ count: 2, recent: [a, b] })
  })

  it('never counts own messages', () => {
    const log = new ArrivalLog()

    log.observe([message('mine', true)])

    expect(log.getSnapshot().count).toBe(0)
  })

  it('does not count a page of older history it was told to skip', () => {
    const log = new ArrivalLog()
    const latest = message('latest')
    log.observe([latest])
    const older = [message('old-1'), message('old-2')]

    log.skip(older.map((m) => m.id))
    log.observe([...older, latest])

    expect(log.getSnapshot()).toEqual({ count: 1, recent: [latest] })
  })

  it('keeps the same snapshot, and tells nobody, while nothing new shows', () => {
    const log = new ArrivalLog()
    const list = [message('a')]
    log.observe(list)
    const before = log.getSnapshot()
    let calls = 0
    log.subscribe(() => calls++)

    log.observe(list)
    log.observe([...list, message('mine', true)])

    expect(log.getSnapshot()).toBe(before)
    expect(calls).toBe(0)
  })

  it(`keeps only the last ${RECENT_ARRIVALS} new messages, while counting them all`, () => {
    const log = new ArrivalLog()
    const many = Array.from({ length: 8 }, (_, i) => message(`m${i}`))

    log.observe(many)

    expect(log.getSnapshot().count).toBe(8)
    expect(log.getSnapshot().recent.map((m) => m.id)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7'])
  })
})

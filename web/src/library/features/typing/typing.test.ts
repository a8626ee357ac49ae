import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import {
  TYPING_EXPIRY_MS,
  TYPING_THROTTLE_MS,
  TypingNotifier,
  TypingRoster,
  typingLine,
} from './typing.ts'

describe('TypingNotifier', () => {
  const setup = () => {
    const clock = new FakeClock()
    const sent: boolean[] = []
    const notifier = new TypingNotifier({ send: (typing) => sent.push(typing), clock })
    return { clock, sent, notifier }
  }

  it('says typing on the first keystroke', () => {
    const { notifier, sent } = setup()

    notifier.input('H')

    expect(sent).toEqual([true])
  })

  it('says typing at most once per 2 s while the user types', () => {
    const { notifier, sent, clock } = setup()
    notifier.input('H')

    clock.advance(1)
    notifier.input('He')
    clock.advance(TYPING_THROTTLE_MS - 2)
    notifier.input('Hel')
    expect(sent).toEqual([true])

    clock.advance(1)
    notifier.input('Hell')
    expect(sent).toEqual([true, true])

    clock.advance(500)
    notifier.input('Hello')
    expect(sent).toEqual([true, true])
  })

  it('says typing again after a pause longer than 2 s', () => {
    const { notifier, sent, clock } = setup()
    notifier.input('H')

    clock.advance(60_000)
    notifier.input('Hi')

    expect(sent).toEqual([true, true])
  })

  it('says it stopped once, on stop()', () => {
    const { notifier, sent } = setup()
    notifier.input('Hello')

    notifier.stop()
    notifier.stop()

    expect(sent).toEqual([true, false])
  })

  it('says nothing on stop() when it never said typing', () => {
    const { notifier, sent } = setup()

    notifier.stop()

    expect(sent).toEqual([])
  })

  it('says typing at once on the first keystroke after a stop', () => {
    const { notifier, sent, clock } = setup()
    notifier.input('Hello')
    notifier.stop()

    clock.advance(10)
    notifier.input('A')

    expect(sent).toEqual([true, false, true])
  })

  it('says nothing on ended() (the message told them), and typing at once after it', () => {
    const { notifier, sent, clock } = setup()
    notifier.input('Hello')
    notifier.ended()

    clock.advance(10)
    notifier.input('A')

    expect(sent).toEqual([true, true])
  })

  it('treats emptied text as a stop', () => {
    const { notifier, sent, clock } = setup()
    notifier.input('Hello')

    notifier.input('')
    clock.advance(10)
    notifier.input('H')
    notifier.input(' \n\t ')

    expect(sent).toEqual([true, false, true, false])
  })

  it('never says typing for blank text', () => {
    const { notifier, sent, clock } = setup()

    notifier.input('   ')
    clock.advance(TYPING_THROTTLE_MS)
    notifier.input('\n')

    expect(sent).toEqual([])
  })
})

describe('TypingRoster', () => {
  const setup = () => {
    const clock = new FakeClock()
    const changes: string[][] = []
    const roster = new TypingRoster({ clock, onChange: (names) => changes.push(names) })
    return { clock, changes, roster }
  }

  it('lists a session that signals typing', () => {
    const { roster, changes } = setup()

    roster.signal('s1', 'Ana', true)

    expect(roster.names()).toEqual(['Ana'])
    expect(changes).toEqual([['Ana']])
  })

  it('drops a signal exactly 5 s after it came', () => {
    const { roster, changes, clock } = setup()
    roster.signal('s1', 'Ana', true)

    clock.advance(TYPING_EXPIRY_MS - 1)
    expect(roster.names()).toEqual(['Ana'])

    clock.advance(1)
    expect(roster.names()).toEqual([])
    expect(changes).toEqual([['Ana'], []])
  })

  it('counts the 5 s from the last refresh, which changes nothing visible', () => {
    const { roster, changes, clock } = setup()
    roster.signal('s1', 'Ana', true)
    clock.advance(3000)

    roster.signal('s1', 'Ana', true)

    clock.advance(TYPING_EXPIRY_MS - 1)
    expect(roster.names()).toEqual(['Ana'])
    expect(changes).toEqual([['Ana']])
    clock.advance(1)
    expect(roster.names()).toEqual([])
    expect(changes).toEqual([['Ana'], []])
    expect(clock.pendingTimers()).toBe(0)
  })

  it('drops a session that says it stopped', () => {
    const { roster, changes, clock } = setup()
    roster.signal('s1', 'Ana', true)

    roster.signal('s1', 'Ana', false)

    expect(roster.names()).toEqual([])
    expect(changes).toEqual([['Ana'], []])
    expect(clock.pendingTimers()).toBe(0)
  })

  it('drops a session on clear (it sent a message or left)', () => {
    const { roster, changes, clock } = setup()
    roster.signal('s1', 'Ana', true)
    roster.signal('s2', 'Ben', true)

    roster.clear('s1')

    expect(roster.names()).toEqual(['Ben'])
    expect(changes.at(-1)).toEqual(['Ben'])
    clock.advance(TYPING_EXPIRY_MS)
    expect(changes).toEqual([['Ana'], ['Ana', 'Ben'], ['Ben'], []])
  })

  it('reports nothing for a session that was not typing', () => {
    const { roster, changes } = setup()

    roster.clear('s1')
    roster.signal('s1', 'Ana', false)

    expect(changes).toEqual([])
  })

  it('lists names in the order they started, whatever the refreshes', () => {
    const { roster, clock } = setup()
    roster.signal('s1', 'Ana', true)
    clock.advance(100)
    roster.signal('s2', 'Ben', true)
    clock.advance(100)
    roster.signal('s3', 'Cy', true)

    roster.signal('s1', 'Ana', true)

    expect(roster.names()).toEqual(['Ana', 'Ben', 'Cy'])
  })

  it('lists a person typing in two tabs once', () => {
    const { roster, changes } = setup()
    roster.signal('tab-1', 'Ana', true)
    roster.signal('tab-2', 'Ana', true)
    expect(roster.names()).toEqual(['Ana'])

    roster.signal('tab-1', 'Ana', false)
    expect(roster.names()).toEqual(['Ana'])

    roster.clear('tab-2')
    expect(changes).toEqual([['Ana'], []])
  })

  it('reports a new name for a session', () => {
    const { roster, changes } = setup()
    roster.signal('s1', 'Ana', true)

    roster.signal('s1', 'Ana Lima', true)

    expect(changes).toEqual([['Ana'], ['Ana Lima']])
  })

  it('expires each session on its own timer', () => {
    const { roster, clock } = setup()
    roster.signal('s1', 'Ana', true)
    clock.advance(2000)
    roster.signal('s2', 'Ben', true)

    clock.advance(3000)
    expect(roster.names()).toEqual(['Ben'])
    clock.advance(2000)
    expect(roster.names()).toEqual([])
  })

  it('stops its timers on dispose', () => {
    const { roster, changes, clock } = setup()
    roster.signal('s1', 'Ana', true)
    roster.signal('s2', 'Ben', true)

    roster.dispose()

    expect(clock.pendingTimers()).toBe(0)
    clock.advance(TYPING_EXPIRY_MS)
    roster.signal('s3', 'Cy', true)
    expect(clock.pendingTimers()).toBe(0)
    expect(changes).toHaveLength(2)
  })
})

describe('typingLine', () => {
  it.each([
    [[], ''],
    [['Ana'], 'Ana is typing…'],
    [['Ana', 'Ben'], 'Ana and Ben are typing…'],
    [['Ana', 'Ben', 'Cy'], 'Several people are typing…'],
    [['Ana', 'Ben', 'Cy', 'Di'], 'Several people are typing…'],
  ])('%j → %j', (names, line) => {
    expect(typingLine(names)).toBe(line)
  })

  it('uses the ellipsis character', () => {
    expect(typingLine(['Ana'])).toMatch(/\u2026$/)
  })
})

// FakeClock is shared by every core test; its own rules are checked here, beside the timers that
// need them most.
describe('FakeClock', () => {
  it('stands still until advanced', () => {
    const clock = new FakeClock(1000)

    expect(clock.now()).toBe(1000)
    clock.advance(250)
    expect(clock.now()).toBe(1250)
  })

  it('runs due timers in time order, each at its own time', () => {
    const clock = new FakeClock(0)
    const ran: string[] = []
    clock.setTimeout(() => ran.push(`b@${clock.now()}`), 20)
    clock.setTimeout(() => ran.push(`a@${clock.now()}`), 10)
    clock.setTimeout(() => ran.push(`c@${clock.now()}`), 30)

    clock.advance(25)

    expect(ran).toEqual(['a@10', 'b@20'])
    expect(clock.now()).toBe(25)
    expect(clock.nextTimerIn()).toBe(5)
  })

  it('runs timers due at the same time in the order they were set', () => {
    const clock = new FakeClock()
    const ran: number[] = []
    for (const n of [1, 2, 3]) clock.setTimeout(() => ran.push(n), 10)

    clock.advance(10)

    expect(ran).toEqual([1, 2, 3])
  })

  it('runs timers set by callbacks when they fall due within the advance', () => {
    const clock = new FakeClock(0)
    const ran: number[] = []
    clock.setTimeout(() => {
      ran.push(clock.now())
      clock.setTimeout(() => ran.push(clock.now()), 0)
      clock.setTimeout(() => ran.push(clock.now()), 10)
      clock.setTimeout(() => ran.push(clock.now()), 100)
    }, 10)

    clock.advance(50)

    expect(ran).toEqual([10, 10, 20])
    expect(clock.pendingTimers()).toBe(1)
  })

  it('forgets cleared timers and ignores unknown handles', () => {
    const clock = new FakeClock()
    const ran: string[] = []
    const handle = clock.setTimeout(() => ran.push('cleared'), 10)
    clock.setTimeout(() => ran.push('kept'), 10)

    clock.clearTimeout(handle)
    clock.clearTimeout('not a handle')
    clock.advance(10)

    expect(ran).toEqual(['kept'])
  })

  it('treats a negative delay as 0 and refuses to go back in time', () => {
    const clock = new FakeClock()
    const ran: string[] = []
    clock.setTimeout(() => ran.push('now'), -5)

    clock.advance(0)

    expect(ran).toEqual(['now'])
    expect(() => clock.advance(-1)).toThrow(RangeError)
  })
})

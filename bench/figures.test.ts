import { describe, expect, it } from 'vitest'
import { atMost, compareWith, info } from './figures.ts'

describe('compareWith', () => {
  const previous = [
    { name: 'history p99', value: 8, unit: 'ms' },
    { name: 'lost', value: 0, unit: 'messages' },
    { name: 'ratio', value: 0.5, unit: 'x' },
  ]

  it('shows the previous value and the change in percent, up, down or none', () => {
    expect(compareWith(previous, atMost('history p99', 10, 'ms', 10))).toEqual({
      previous: '8 ms',
      change: '+25%',
    })
    expect(compareWith(previous, info('ratio', 0.4, 'x'))).toEqual({
      previous: '0.5 x',
      change: '−20%',
    })
    expect(compareWith(previous, info('ratio', 0.5, 'x'))).toEqual({
      previous: '0.5 x',
      change: '±0%',
    })
  })

  it('gives the difference itself where the previous value was 0, and "new" for a new figure', () => {
    expect(compareWith(previous, atMost('lost', 2, 'messages', 1))).toEqual({
      previous: '0 messages',
      change: '+2 messages',
    })
    expect(compareWith(previous, info('search p99', 5, 'ms'))).toEqual({
      previous: 'new',
      change: '',
    })
    // Another unit is another figure.
    expect(compareWith(previous, info('history p99', 8, 's'))).toEqual({
      previous: 'new',
      change: '',
    })
  })
})

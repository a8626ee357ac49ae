import { describe, expect, it } from 'vitest'
import { againstFloor, atMost, compareWith, info, inTurn, overFloor } from './figures.ts'

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

describe('overFloor', () => {
  it('is the product over the floor to two decimals, passing up to the limit itself', () => {
    expect(overFloor('history p99, function / floor', 6, 4, 1.5)).toEqual({
      name: 'history p99, function / floor',
      value: 1.5,
      unit: 'x',
      target: '<= 1.5 x',
      pass: true,
    })
    expect(overFloor('live p99', 10, 3, 2)).toMatchObject({ value: 3.33, pass: false })
    expect(overFloor('live p50', 2.9, 3.2, 2)).toMatchObject({ value: 0.91, pass: true })
  })

  it('fails when the floor is 0 or could not be measured, rather than passing as no ratio', () => {
    expect(overFloor('ratio', 5, 0, 1.5).pass).toBe(false)
    expect(overFloor('ratio', 5, Number.NaN, 1.5).pass).toBe(false)
    expect(overFloor('ratio', Number.NaN, 4, 1.5).pass).toBe(false)
  })
})

describe('inTurn', () => {
  it('gives two things in turn as ABBA, so that neither always goes first', () => {
    expect([0, 1, 2, 3].flatMap((round) => inTurn(['a', 'b'], round))).toEqual([
      'a',
      'b',
      'b',
      'a',
      'a',
      'b',
      'b',
      'a',
    ])
  })

  it('gives three as ABC then CBA, and leaves the list it was given as it was', () => {
    const runs = ['normal', 'floor', 'slowed']
    expect([0, 1].flatMap((round) => inTurn(runs, round))).toEqual([
      'normal',
      'floor',
      'slowed',
      'slowed',
      'floor',
      'normal',
    ])
    expect(runs).toEqual(['normal', 'floor', 'slowed'])
  })
})

describe('againstFloor', () => {
  // 100 times each: p50 is the 50th, p99 the 99th.
  const times = (p50: number, p99: number) => [
    ...Array.from({ length: 50 }, () => p50),
    ...Array.from({ length: 49 }, () => p99 - 0.5),
    p99,
  ]
  const names = {
    product: (p: string) => `live ${p}`,
    floor: (p: string) => `floor ${p}`,
    ratio: (p: string) => `live / floor ${p}`,
  }

  it('reports both sides’ times as information and gives the ratios in `targets` the limit', () => {
    const figures = againstFloor(
      { ...names, limit: 1.5, targets: ['p99'], digits: 2 },
      times(3, 12),
      times(2, 10),
    )
    expect(figures).toEqual([
      info('live p50', 3, 'ms'),
      info('live p99', 11.5, 'ms'),
      info('floor p50', 2, 'ms'),
      info('floor p99', 9.5, 'ms'),
      info('live / floor p50', 1.5, 'x'),
      { name: 'live / floor p99', value: 1.21, unit: 'x', target: '<= 1.5 x', pass: true },
    ])
  })

  it('fails a ratio with a target that is over it, whichever percentile it is', () => {
    const figures = againstFloor(
      { ...names, limit: 2, targets: ['p50', 'p99'] },
      times(6, 16),
      times(2, 10),
    )
    expect(figures.filter((figure) => !figure.pass).map((figure) => figure.name)).toEqual([
      'live / floor p50',
    ])
    expect(figures.at(-1)).toMatchObject({ name: 'live / floor p99', value: 1.63, pass: true })
  })
})

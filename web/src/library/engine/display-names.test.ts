import { describe, expect, it } from 'vitest'
import { distinctNames } from './display-names.ts'

const person = (userId: string, userName: string) => ({ userId, userName })

describe('distinctNames', () => {
  it('keeps names that are already distinct', () => {
    expect(distinctNames([person('a', 'Ana'), person('b', 'Ben')])).toEqual(
      new Map([
        ['a', 'Ana'],
        ['b', 'Ben'],
      ]),
    )
  })

  it('numbers a second and third person of one name, in the order given', () => {
    const labels = distinctNames([person('a', 'Ana'), person('b', 'Ben'), person('c', 'Ana')])
    expect(labels.get('a')).toBe('Ana')
    expect(labels.get('c')).toBe('Ana (2)')
    expect(distinctNames([person('c', 'Ana'), person('a', 'Ana')]).get('a')).toBe('Ana (2)')
  })

  it('counts one user id in two tabs once', () => {
    expect(distinctNames([person('a', 'Ana'), person('a', 'Ana'), person('b', 'Ana')])).toEqual(
      new Map([
        ['a', 'Ana'],
        ['b', 'Ana (2)'],
      ]),
    )
  })

  it('tells apart names that only differ in case or Unicode form', () => {
    const labels = distinctNames([person('a', 'Ana'), person('b', 'ANA'), person('c', 'Ａｎａ')])
    expect([...labels.values()]).toEqual(['Ana', 'ANA (2)', 'Ａｎａ (3)'])
  })

  it('never hands out a label that someone already goes by', () => {
    const labels = distinctNames([person('x', 'Ana (2)'), person('a', 'Ana'), person('b', 'Ana')])
    expect(labels.get('b')).toBe('Ana (3)')
    const later = distinctNames([person('a', 'Ana'), person('b', 'Ana'), person('x', 'Ana (2)')])
    expect(new Set(later.values()).size).toBe(3)
  })

  it('numbers a lookalike name as a second one: Cyrillic letters, hidden characters', () => {
    // Latin "Ana", then Cyrillic "А" + "na", then "An" + zero-width space + "a": all read "Ana".
    const labels = distinctNames([
      person('a', 'Ana'),
      person('b', '\u0410na'),
      person('c', 'An\u200Ba'),
    ])
    expect([...labels.values()]).toEqual(['Ana', '\u0410na (2)', 'An\u200Ba (3)'])
  })

  it('numbers names that differ only in letters of one shape (I and l, 0 and O)', () => {
    const labels = distinctNames([person('a', 'Anal'), person('b', 'AnaI'), person('c', 'B0b')])
    expect([...labels.values()]).toEqual(['Anal', 'AnaI (2)', 'B0b'])
    expect(distinctNames([person('a', 'BOB'), person('b', 'B0B')]).get('b')).toBe('B0B (2)')
  })
})

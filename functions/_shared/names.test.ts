import { describe, expect, it } from 'vitest'
import { nameSkeleton } from './name-skeleton.ts'
import { userNameSchema } from './protocol.ts'

const nameOrError = (name: string) => {
  const parsed = userNameSchema.safeParse(name)
  return parsed.success ? parsed.data : { error: parsed.error.issues[0]?.message }
}

describe('nameSkeleton', () => {
  it('gives names that pass for each other one key', () => {
    const ana = nameSkeleton('Ana')
    for (const lookalike of [
      'Аna',
      'АNА',
      'ana',
      'Ａｎａ',
      'An\u200Ba',
      'A\u200Dna',
      'Ana\uFE0F',
    ]) {
      expect([lookalike, nameSkeleton(lookalike)]).toEqual([lookalike, ana])
    }
    expect(nameSkeleton('Rооm')).toBe(nameSkeleton('Room'))
    expect(nameSkeleton('R00M')).toBe(nameSkeleton('Room'))
    expect(nameSkeleton('AnaI')).toBe(nameSkeleton('Anal'))
    expect(nameSkeleton('Ana  Lima')).toBe(nameSkeleton('Ana\u3000Lima'))
    expect(nameSkeleton('Zoe\u0308')).toBe(nameSkeleton('Zoë'))
  })

  it('keeps names that look different apart', () => {
    expect(nameSkeleton('Ana')).not.toBe(nameSkeleton('Anna'))
    expect(nameSkeleton('Zoë')).not.toBe(nameSkeleton('Zoe'))
    expect(nameSkeleton('東京')).not.toBe(nameSkeleton('京都'))
  })
})

describe('userNameSchema against impersonation', () => {
  it.each([
    ['a zero-width space inside', 'An\u200Ba', 'Ana'],
    ['a zero-width joiner inside', 'A\u200Dna', 'Ana'],
    ['a zero-width non-joiner inside', 'A\u200Cna', 'Ana'],
    ['a variation selector after a letter', 'Ana\uFE0F', 'Ana'],
    ['a soft hyphen inside', 'An\u00ADa', 'Ana'],
    ['a word joiner inside', 'An\u2060a', 'Ana'],
    ['tag characters after a letter', `Ana${String.fromCodePoint(0xe0041, 0xe007f)}`, 'Ana'],
    ['a Hangul filler inside', 'An\u3164a', 'Ana'],
    ['a left-to-right mark inside', 'An\u200Ea', 'Ana'],
  ])('removes %s: %j becomes %j', (_label, sent, kept) => {
    expect(nameOrError(sent)).toBe(kept)
  })

  it.each([
    ['only combining marks', '\u0301\u0302\u0303', /letter or digit/],
    ['only emoji', '😀🎉', /letter or digit/],
    ['only punctuation', '.-.', /letter or digit/],
    ['a Cyrillic letter inside a Latin word', 'Аna', /Latin, Cyrillic or Greek/],
    ['a Greek letter inside a Latin word', 'Αna', /Latin, Cyrillic or Greek/],
    ['the reserved name in Cyrillic o’s', 'Rооm', /"Room"/],
    ['the reserved name in zeros', 'R00M', /"Room"/],
    ['the reserved name with a hidden joiner', 'Ro\u200Dom', /"Room"/],
  ])('refuses %s (%j)', (_label, name, message) => {
    expect(nameOrError(name)).toEqual({ error: expect.stringMatching(message) })
  })

  it.each([
    'Zoë de la Crème',
    'Ана Иванова',
    'Ivan Иванов',
    'Ελένη',
    '東京太郎',
    'محمد',
    'नमस्ते',
    'Ana ❤️',
    'Ana 👩🏽‍💻',
    'Ana 🏳️‍🌈',
    'Ana 🏴󠁧󠁢󠁳󠁣󠁴󠁿',
    'R2-D2',
    '7',
    'Roomy',
  ])('keeps %j as typed', (name) => {
    expect(nameOrError(name)).toBe(name)
  })

  it('keeps the joiners and selectors of an emoji, but not a run of tags after a flag', () => {
    const tags = String.fromCodePoint(...Array.from({ length: 20 }, (_, i) => 0xe0061 + i))
    expect(nameOrError(`Ana 🏴${tags}`)).toBe('Ana 🏴')
    expect(nameOrError('Ana 👨\u200D👨\u200D👨\u200D👨\u200D👨')).toBe('Ana 👨👨👨👨👨')
  })
})

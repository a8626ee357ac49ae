import emojibase from 'emojibase-data/en/data.json' with { type: 'json' }
import { describe, expect, it } from 'vitest'
import { emojiSchema } from './protocol.ts'

const reactionOrError = (emoji: string) => {
  const parsed = emojiSchema.safeParse(emoji)
  return parsed.success ? parsed.data : { error: parsed.error.issues[0]?.message }
}

// Unicode's RGI_Emoji, as this Node's own Unicode data knows it: a second, independent source.
// biome-ignore lint/complexity/useRegexLiterals: TypeScript refuses the v flag below target ES2024.
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v')
const tags = (count: number) =>
  String.fromCodePoint(...Array.from({ length: count }, (_, i) => 0xe0061 + (i % 26)))

/** Every emoji the picker offers (Emojibase's, skin tones included, without the parts). */
const pickerEmoji = emojibase
  .filter((emoji) => emoji.group !== undefined && emoji.group !== 2)
  .flatMap((emoji) => [emoji.emoji, ...(emoji.skins ?? []).map((skin) => skin.emoji)])

describe('emojiSchema', () => {
  it.each([
    ['a flag of no country', '🇦🇦'],
    ['a black flag with 20 made-up tag characters', `🏴${tags(20)}`],
    ['a black flag with tags but no end tag', `🏴${tags(5)}`],
    ['eight people joined by ZWJ', Array(8).fill('👩').join('\u200D')],
    ['a ZWJ chain of unrelated emoji', '🐈\u200D🚀'],
    ['a skin tone alone', '🏽'],
    ['a hair style alone', '🦰'],
    ['one regional indicator', '🇦'],
    ['a digit', '1'],
    ['a letter', 'a'],
    ['a zero-width joiner', '\u200D'],
    ['two emoji', '👍👍'],
    ['a letter with the emoji selector', 'a\uFE0F'],
  ])('refuses %s', (_label, emoji) => {
    expect(reactionOrError(emoji)).toEqual({ error: expect.stringMatching(/one emoji/) })
  })

  it.each([
    ['a skin tone', '👍🏽'],
    ['a flag', '🇫🇷'],
    ['a family (ZWJ sequence)', '👨‍👩‍👧‍👦'],
    ['a family with skin tones', '🧑🏻‍🤝‍🧑🏿'],
    ['a keycap', '1️⃣'],
    ['a subdivision flag', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a rainbow flag', '🏳️‍🌈'],
  ])('takes %s as it is', (_label, emoji) => {
    expect(reactionOrError(emoji)).toBe(emoji)
  })

  it.each([
    ['❤', '❤️'],
    ['❤\uFE0E', '❤️'],
    ['👍\uFE0F', '👍'],
    ['1\u20E3', '1️⃣'],
    ['👁\u200D🗨', '👁️‍🗨️'],
  ])('spells %j the way Unicode does, as %j: one reaction however typed', (typed, spelled) => {
    expect(reactionOrError(typed)).toBe(spelled)
  })

  it('takes every emoji the picker offers, each as an RGI emoji', () => {
    expect(pickerEmoji.length).toBeGreaterThan(3500)
    const refused = pickerEmoji.filter((emoji) => {
      const parsed = emojiSchema.safeParse(emoji)
      return !parsed.success || !RGI_EMOJI.test(parsed.data)
    })
    expect(refused).toEqual([])
  })

  it('leaves every RGI emoji of the picker spelled as it is', () => {
    const respelled = pickerEmoji
      .filter((emoji) => RGI_EMOJI.test(emoji))
      .filter((emoji) => emojiSchema.parse(emoji) !== emoji)
    expect(respelled).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { AVATAR_PALETTE, avatarColour, initials } from './avatar.ts'

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r = 0, g = 0, b = 0] = [1, 3, 5].map((at) => {
      const channel = Number.parseInt(hex.slice(at, at + 2), 16) / 255
      return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
    })
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
  }
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05)
}

describe('avatarColour', () => {
  it('gives a person the same colour every time', () => {
    for (const id of ['user-ana', 'user-ben', '6a0f1c2e-8d3b-4c1a-9e7f-2b5d8c4a1f00']) {
      expect(avatarColour(id)).toBe(avatarColour(id))
      expect(AVATAR_PALETTE).toContain(avatarColour(id))
    }
    // Pinned: a change of the hash would recolour everyone, which people would notice.
    expect(avatarColour('user-ana')).toBe('#0d6e8a')
    expect(avatarColour('user-ben')).toBe('#7a4b12')
  })

  it('tells a few people apart', () => {
    // Ten colours cannot keep every pair of a room apart; these sample ids do land apart.
    const ids = ['user-ana', 'user-ben', 'user-cyd', 'ana', 'ben', 'cyd']
    expect(new Set(['user-ana', 'user-ben', 'user-cyd'].map(avatarColour)).size).toBe(3)
    expect(new Set(['ana', 'ben', 'cyd'].map(avatarColour)).size).toBe(3)
    expect(new Set(ids.map(avatarColour)).size).toBeGreaterThan(3)
  })

  it('uses the whole palette across many people', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => avatarColour(`user-${i}`)))
    expect(used.size).toBe(AVATAR_PALETTE.length)
  })

  it('keeps white initials readable (WCAG AA, 4.5:1) on every colour', () => {
    for (const colour of AVATAR_PALETTE) {
      expect(contrast(colour, '#ffffff'), colour).toBeGreaterThanOrEqual(4.5)
    }
  })
})

describe('initials', () => {
  it('takes the first letter of up to two words', () => {
    expect(initials('ana lima')).toBe('AL')
    expect(initials('Ben')).toBe('B')
    expect(initials('  Cyd  de  la Cruz ')).toBe('CD')
  })

  it('keeps whole characters and never shows nothing', () => {
    expect(initials('🎉 party')).toBe('🎉P')
    expect(initials('Élodie')).toBe('É')
    expect(initials('   ')).toBe('?')
  })
})

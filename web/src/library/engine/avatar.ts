/**
 * Initials avatars: a person's initials on a colour picked from their user id, so everyone sees
 * the same person in the same colour, across reloads and across people (names can repeat and
 * change; ids do not).
 */

/**
 * Avatar backgrounds. White initials on each meet WCAG AA for text (contrast 4.5:1 or more), in
 * light and dark mode alike: the avatar carries its own background. avatar.test.ts checks it.
 */
export const AVATAR_PALETTE = [
  '#1f5fbf', // blue
  '#0f7a5c', // green
  '#a3367a', // magenta
  '#b0420a', // orange
  '#5b3fc4', // violet
  '#0d6e8a', // teal
  '#a8243a', // red
  '#55652a', // olive
  '#7a4b12', // brown
  '#3d4b66', // slate
] as const

/** FNV-1a (32 bits): small, fast and spreads short ids well; not for security. */
function hash(text: string): number {
  let value = 0x811c9dc5
  for (let i = 0; i < text.length; i += 1) {
    value ^= text.charCodeAt(i)
    value = Math.imul(value, 0x01000193)
  }
  return value >>> 0
}

/** The avatar colour of a person: the same for the same user id, everywhere. */
export function avatarColour(userId: string): string {
  return AVATAR_PALETTE[hash(userId) % AVATAR_PALETTE.length] ?? AVATAR_PALETTE[0]
}

/**
 * Up to two initials of a display name, one per word (whole characters, so an emoji or an
 * accented letter is not cut in half); "?" for a name with no letters to show.
 * @example initials('ana lima') // 'AL'
 */
export function initials(name: string): string {
  const letters = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => [...word][0]?.toUpperCase() ?? '')
    .join('')
  return letters === '' ? '?' : letters
}

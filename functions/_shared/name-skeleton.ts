/**
 * How a name looks, for telling whether two names would pass for each other: the function's
 * reserved-name check and the SPA's "Ana (2)" numbering both compare names by this key.
 */
import unhomoglyph from 'unhomoglyph'

// Characters that render as nothing: zero-width and format characters, variation selectors, the
// Hangul fillers, the braille blank. TR39's skeleton drops the default-ignorable ones too.
export const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu
// Runs of spaces show as one space in the page (HTML collapses them).
const SPACES = /\s+/gu

/**
 * The confusable skeleton of Unicode TR39 (NFD, default-ignorables removed, each character
 * replaced by its prototype from Unicode's confusables.txt, as packaged by `unhomoglyph`),
 * made case-blind and with runs of spaces as one. Two names with one key look alike: Latin
 * "Ana", Cyrillic "Аna", "ANA", "An\u200Ba"; "Room", "Rооm", "R00M". Not for showing: "m"
 * becomes "rn".
 *
 * @example nameSkeleton('Rооm') === nameSkeleton('room') // true
 */
export function nameSkeleton(name: string): string {
  const skeleton = (text: string) =>
    unhomoglyph(text.normalize('NFD').replace(INVISIBLE, '')).normalize('NFD')
  // Case after the prototypes and the prototypes again: "I" and "l" share the prototype "l",
  // which lower-casing first would have split into "i" and "l".
  return skeleton(skeleton(name.normalize('NFKC')).toLowerCase())
    .replace(SPACES, ' ')
    .trim()
}

import { fullyQualifiedEmoji } from '@shared/emoji-spelling.ts'
import type { Emoji as EmojibaseEmoji, MessagesDataset } from 'emojibase'
import emojibase from 'emojibase-data/en/data.json'
import messages from 'emojibase-data/en/messages.json'
import type { EmojiData, EmojiDataResolver, EmojiDetails } from 'frimousse'

// The full Unicode emoji set (Emojibase's English data), bundled into the picker's lazy chunk
// instead of fetched: frimousse's own resolver would fetch it from a CDN (jsDelivr), which the
// page's Content-Security-Policy (connect-src: the app's origin) refuses, and which would not
// work offline or inside a host app. Only emoji-picker.tsx imports this module, so the data
// never reaches the entry bundle; emoji-data.vite.ts trims it to the fields read here.

type Tone = keyof EmojiData['skinTones']

/** Emojibase's skin tone numbers (1 light … 5 dark), as frimousse names them. */
const TONES: readonly Tone[] = ['light', 'medium-light', 'medium', 'medium-dark', 'dark']

/** The colour emoji fonts backchannel.css asks for, asked which emoji they can draw. */
const EMOJI_FONTS = '"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", sans-serif'

let data: EmojiData | undefined
/** Each emoji's category label (skin tones too), for naming the picker's rows. */
const categoryOf = new Map<string, string>()

/**
 * For frimousse's `resolveEmojiData`: the emoji this browser can draw, by category, with their
 * names, search keywords and skin tones, built once from the bundled data. Synchronous: no
 * request, nothing stored.
 */
export const resolveEmojiData: EmojiDataResolver = () => {
  data ??= supported(fromEmojibase(emojibase, messages))
  return data
}

/** The category label of an emoji the picker shows ("Travel & places"), once the data is built. */
export const emojiCategory = (emoji: string): string | undefined => categoryOf.get(emoji)

// As frimousse's default resolver does with the same files: without the skin-tone components,
// labels capitalised, skin tones by name, country flags marked (some systems draw them as letters).
// Each emoji spelled as Unicode spells it, as the function stores reactions: Emojibase gives some
// a U+FE0F that Unicode does not (👍️), and a picked 👍 must be the 👍 already on the message.
function fromEmojibase(emojis: EmojibaseEmoji[], dataset: MessagesDataset): EmojiData {
  const groups = dataset.groups.filter((group) => group.key !== 'component')
  const labels = new Map(groups.map((group) => [group.order, capitalize(group.message)]))
  const flags = new Set(
    dataset.subgroups
      .filter((subgroup) => subgroup.key === 'country-flag' || subgroup.key === 'subdivision-flag')
      .map((subgroup) => subgroup.order),
  )
  const skinTones = Object.fromEntries(
    dataset.skinTones.map((tone) => [tone.key, capitalize(tone.message)]),
  ) as EmojiData['skinTones']
  const result: EmojiDetails[] = []
  for (const emoji of emojis) {
    const category = emoji.group === undefined ? undefined : labels.get(emoji.group)
    if (category === undefined) continue
    const skins = skinsOf(emoji)
    const aliases = emoji.skins
      ?.filter((skin) => Array.isArray(skin.tone))
      .map((s) => fullyQualifiedEmoji(s.emoji))
    const spelled = fullyQualifiedEmoji(emoji.emoji)
    for (const variant of [spelled, ...Object.values<string>(skins ?? {}), ...(aliases ?? [])]) {
      categoryOf.set(variant, category)
    }
    result.push({
      emoji: spelled,
      category: emoji.group as number,
      label: capitalize(emoji.label),
      version: emoji.version,
      tags: emoji.tags ?? [],
      countryFlag: (emoji.subgroup !== undefined && flags.has(emoji.subgroup)) || undefined,
      skins,
      aliases: aliases?.length ? aliases : undefined,
    })
  }
  return {
    locale: 'en',
    emojis: result,
    categories: groups.map((group) => ({ index: group.order, label: capitalize(group.message) })),
    skinTones,
  }
}

function skinsOf(emoji: EmojibaseEmoji): EmojiDetails['skins'] {
  const single = emoji.skins?.filter((skin) => typeof skin.tone === 'number')
  if (!single?.length) return undefined
  const skins: Partial<Record<Tone, string>> = {}
  for (const skin of single) {
    const tone = TONES[(skin.tone as number) - 1]
    if (tone) skins[tone] = fullyQualifiedEmoji(skin.emoji)
  }
  return skins as EmojiDetails['skins']
}

/**
 * Leaves out emoji newer than the system's font (the newest Emoji version whose first emoji it
 * draws in colour) and country flags where it draws them as letters; with no colour emoji font
 * at all, everything stays.
 */
function supported(all: EmojiData): EmojiData {
  const firstOfVersion = new Map<number, string>()
  for (const emoji of all.emojis) {
    if (!firstOfVersion.has(emoji.version)) firstOfVersion.set(emoji.version, emoji.emoji)
  }
  const versions = [...firstOfVersion.keys()].sort((a, b) => b - a)
  const newest =
    versions.find((version) => drawsInColour(firstOfVersion.get(version) ?? '')) ?? versions[0]
  const flags = drawsInColour('🇪🇺')
  return {
    ...all,
    emojis: all.emojis.filter(
      (emoji) => emoji.version <= (newest ?? 0) && (flags || !emoji.countryFlag),
    ),
  }
}

let context: CanvasRenderingContext2D | null | undefined

/** Whether the system draws this emoji as one colour glyph: the same pixels in red and blue ink. */
function drawsInColour(emoji: string): boolean {
  context ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true })
  const ink = context
  if (!ink) return false
  ink.canvas.width = 2
  ink.canvas.height = 2
  ink.font = `2px ${EMOJI_FONTS}`
  ink.textBaseline = 'middle'
  // A sequence the font does not know falls apart into several glyphs: wider.
  if (ink.measureText(emoji).width >= 4) return false
  const draw = (colour: string) => {
    ink.clearRect(0, 0, 2, 2)
    ink.fillStyle = colour
    ink.fillText(emoji, 0, 0)
    return ink.getImageData(0, 0, 2, 2).data
  }
  const blue = draw('#00f')
  const red = draw('#f00')
  return blue.every((value, at) => at % 4 === 3 || value === red[at])
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

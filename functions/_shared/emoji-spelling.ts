// How an emoji is spelled, apart from the protocol's schemas: the web app's emoji picker needs it,
// and a lazily loaded chunk that imported it from protocol.ts pulled the schemas into a chunk
// shared with the library's entry, built before the entry could tell zod not to compile parsers
// (web/src/library/engine/zod-jitless.ts).

const PRESENTATION_SELECTORS = /[\uFE0E\uFE0F]/g
// An emoji character that shows as text by default (❤, ©, the # of #️⃣) takes the emoji selector
// U+FE0F, unless a skin tone follows it (☝🏻); the others (👍) take none. That is how Unicode spells
// every fully-qualified emoji (emoji.test.ts checks it against all of Emojibase's).
const TEXT_STYLE_EMOJI = /(?!\p{Emoji_Presentation})\p{Emoji}(?!\p{Emoji_Modifier})/gu

/**
 * The fully-qualified spelling of an emoji, whatever selectors it was typed with: 👍️ → 👍, ❤ → ❤️.
 * The picker spells its emoji so too (Emojibase adds U+FE0F to some, e.g. 👍️).
 */
export const fullyQualifiedEmoji = (emoji: string) =>
  emoji.replace(PRESENTATION_SELECTORS, '').replace(TEXT_STYLE_EMOJI, '$&\uFE0F')

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

// Where an address may start: "http://" or "https://", not glued to a letter or digit before it.
const SCHEME = /https?:\/\//gi
// The address from its scheme up to the next space, quote or angle bracket. Sticky: matched only
// where a scheme starts, so every character is read once.
const ADDRESS = /https?:\/\/[^\s<>"']+/iy
// A trailing period, comma, closing bracket or formatting marker (`*bold link*`) is punctuation
// around the address, not part of it.
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '*', '_', '~'])
const LETTER_OR_DIGIT = /[A-Za-z0-9]/

/**
 * Splits message text into plain text and http(s) links. Nothing else ever becomes markup: the
 * parts are rendered as text nodes and anchors by React, which escapes them. A link shows where it
 * goes: when the text would read as another host than the one it opens (`http://bank.test@evil.test/`,
 * a backslash, an encoded or foreign host name), the link shows the address the browser will open
 * instead, without any user name or password.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = []
  let last = 0
  for (const match of text.matchAll(SCHEME)) {
    if (match.index < last) continue
    const found = linkAt(text, match.index)
    if (!found) continue
    if (match.index > last) parts.push({ kind: 'text', text: text.slice(last, match.index) })
    parts.push(found.part)
    last = found.end
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) })
  return parts
}

/**
 * The address that starts at `start` in `text`, if one does, and where it ends: a link part, or a
 * text part when it does not parse as an http(s) URL (so it is never read as anything else).
 */
export function linkAt(text: string, start: number): { part: TextPart; end: number } | undefined {
  if (start > 0 && LETTER_OR_DIGIT.test(text.charAt(start - 1))) return undefined
  ADDRESS.lastIndex = start
  const match = ADDRESS.exec(text)
  if (!match) return undefined
  const scheme = match[0].indexOf('//') + 2
  let length = match[0].length
  while (length > scheme && TRAILING.has(match[0].charAt(length - 1))) length -= 1
  // At least two characters after "//", as the pattern this replaces required.
  if (length - scheme < 2) return undefined
  const candidate = match[0].slice(0, length)
  return { part: linkPart(candidate), end: start + length }
}

function linkPart(candidate: string): TextPart {
  let url: URL
  try {
    url = new URL(candidate)
  } catch {
    return { kind: 'text', text: candidate }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { kind: 'text', text: candidate }
  // The host as a reader takes it from the text: whatever follows "//" up to the path.
  const written = /^https?:\/\/([^/?#]*)/i.exec(candidate)?.[1]?.toLowerCase()
  const honest = url.username === '' && url.password === '' && written === url.host
  url.username = ''
  url.password = ''
  return { kind: 'link', text: honest ? candidate : url.href, href: url.href }
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

// http(s) URLs only; a trailing period, comma, quote or closing bracket is punctuation, not URL.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}]/gi

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
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) })
    parts.push(linkPart(match[0]))
    last = start + match[0].length
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) })
  return parts
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

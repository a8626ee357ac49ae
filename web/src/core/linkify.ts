export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

// http(s) URLs only; a trailing period, comma, quote or closing bracket is punctuation, not URL.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}]/gi

/**
 * Splits message text into plain text and http(s) links. Nothing else ever becomes markup: the
 * parts are rendered as text nodes and anchors by React, which escapes them.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = []
  let last = 0
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) })
    const href = safeHref(match[0])
    parts.push(href ? { kind: 'link', text: match[0], href } : { kind: 'text', text: match[0] })
    last = start + match[0].length
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) })
  return parts
}

function safeHref(candidate: string): string | undefined {
  try {
    const url = new URL(candidate)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
  } catch {
    return undefined
  }
}

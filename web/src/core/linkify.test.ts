import { describe, expect, it } from 'vitest'
import { linkify } from './linkify.ts'

describe('linkify', () => {
  it('leaves text without links as one text part', () => {
    expect(linkify('just words')).toEqual([{ kind: 'text', text: 'just words' }])
  })

  it('turns http and https URLs into links, keeping the text around them', () => {
    expect(linkify('see https://example.com/a?b=1 and http://x.test.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.test', href: 'http://x.test/' },
      { kind: 'text', text: '.' },
    ])
  })

  it('does not swallow closing punctuation', () => {
    expect(linkify('(https://example.com/x), ok')).toEqual([
      { kind: 'text', text: '(' },
      { kind: 'link', text: 'https://example.com/x', href: 'https://example.com/x' },
      { kind: 'text', text: '), ok' },
    ])
  })

  it('never links other schemes or markup', () => {
    for (const text of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '<a href="https://evil.test">x</a>',
      'ftp://files.test/x',
    ]) {
      const links = linkify(text).filter((part) => part.kind === 'link')
      expect(links.map((link) => link.href).every((href) => /^https?:/.test(href))).toBe(true)
      expect(
        linkify(text)
          .map((part) => part.text)
          .join(''),
      ).toBe(text)
    }
  })
})

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

  it('leaves formatting markers around a link out of it', () => {
    expect(linkify('*https://example.com/x* _https://example.com/a_b_')).toEqual([
      { kind: 'text', text: '*' },
      { kind: 'link', text: 'https://example.com/x', href: 'https://example.com/x' },
      { kind: 'text', text: '* _' },
      { kind: 'link', text: 'https://example.com/a_b', href: 'https://example.com/a_b' },
      { kind: 'text', text: '_' },
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

describe('linkify, links that would mislead', () => {
  it('shows the host a link with a user name really opens, without the user name', () => {
    expect(linkify('log in at http://127.0.0.1@evil.example/ now')).toEqual([
      { kind: 'text', text: 'log in at ' },
      { kind: 'link', text: 'http://evil.example/', href: 'http://evil.example/' },
      { kind: 'text', text: ' now' },
    ])
    expect(linkify('https://bank.test:secret@evil.example/pay')).toEqual([
      { kind: 'link', text: 'https://evil.example/pay', href: 'https://evil.example/pay' },
    ])
  })

  it('shows the real host where the text hides it behind a backslash or an encoding', () => {
    const [backslash] = linkify('http://evil.example\\@bank.test/')
    expect(backslash).toMatchObject({ kind: 'link', href: 'http://evil.example/@bank.test/' })
    expect(backslash?.text).toBe('http://evil.example/@bank.test/')
    const [encoded] = linkify('http://%65vil.example/')
    expect(encoded).toEqual({
      kind: 'link',
      text: 'http://evil.example/',
      href: 'http://evil.example/',
    })
    // A look-alike foreign host shows as the browser resolves it.
    const [foreign] = linkify('https://аpple.com/')
    expect(foreign?.text).toBe('https://xn--pple-43d.com/')
  })

  it('keeps the text of honest links as written', () => {
    expect(linkify('HTTPS://Example.COM/A')).toEqual([
      { kind: 'link', text: 'HTTPS://Example.COM/A', href: 'https://example.com/A' },
    ])
    expect(linkify('http://localhost:8787/?room=x')).toEqual([
      {
        kind: 'link',
        text: 'http://localhost:8787/?room=x',
        href: 'http://localhost:8787/?room=x',
      },
    ])
  })
})

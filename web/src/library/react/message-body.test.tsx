import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { MessageBody } from './message-body.tsx'

const html = (text: string) =>
  renderToStaticMarkup(<MessageBody text={text} />)
    .replace(/^<div class="bc-message-body" data-testid="message-body">/, '')
    .replace(/<\/div>$/, '')

describe('MessageBody', () => {
  it.each([
    ['plain text', 'plain text'],
    ['*bold* _italic_ ~strike~', '<strong>bold</strong> <em>italic</em> <del>strike</del>'],
    ['`a <b>`', '<code>a &lt;b&gt;</code>'],
    ['*bold _and italic_*', '<strong>bold <em>and italic</em></strong>'],
    [
      '```ts\nconst x = 1\n```',
      '<pre class="bc-message-code-block" data-language="ts"><code>const x = 1</code></pre>',
    ],
    ['```\n  a\n\tb\n```', '<pre class="bc-message-code-block"><code>  a\n\tb</code></pre>'],
    ['> quoted\nafter', '<blockquote>quoted</blockquote>after'],
    ['- a\n- *b*', '<ul><li>a</li><li><strong>b</strong></li></ul>'],
    ['2. two\n5. five', '<ol><li value="2">two</li><li value="5">five</li></ol>'],
    ['line one\nline two', 'line one\nline two'],
  ])('renders %j as elements screen readers know', (text, expected) => {
    expect(html(text)).toBe(expected)
  })

  it('renders links as today: http(s) only, new tab, no opener', () => {
    expect(html('see *https://example.com/x*')).toBe(
      'see <strong><a href="https://example.com/x" target="_blank" rel="noopener noreferrer">https://example.com/x</a></strong>',
    )
    expect(html('[x](javascript:alert(1)) *javascript:alert(1)*')).toBe(
      '[x](javascript:alert(1)) <strong>javascript:alert(1)</strong>',
    )
    expect(html('log in at http://bank.test@evil.test/')).toBe(
      'log in at <a href="http://evil.test/" target="_blank" rel="noopener noreferrer">http://evil.test/</a>',
    )
  })

  it.each([
    '<b>hi</b>',
    '<script>alert(1)</script>',
    '<img src=x onerror="alert(1)">',
    '*<img src=x onerror=alert(1)>*',
    '```\n<script>alert(1)</script>\n```',
    '> <iframe src="javascript:alert(1)">',
  ])('shows markup in %j as text', (text) => {
    const rendered = html(text)
    expect(rendered).not.toMatch(/<(b|script|img|iframe)\b/)
    expect(rendered).not.toContain('href="javascript')
    expect(rendered).toContain('&lt;')
  })
})

import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { CollapsibleBody, mayBeTall } from './collapsible-body.tsx'
import { MessageBody } from './message-body.tsx'

const render = (text: string) =>
  renderToStaticMarkup(
    <CollapsibleBody messageId="m1" text={text}>
      <MessageBody text={text} />
    </CollapsibleBody>,
  )

const TALL = [...Array.from({ length: 1999 }, (_, i) => (i % 2 === 0 ? '.' : '')), 'The end'].join(
  '\n',
)

describe('mayBeTall', () => {
  it.each([
    ['', false],
    ['a short chat line', false],
    ['four\nline\nbreaks\nare\nfine', false],
    ['five\nline\nbreaks\nmay\nbe\ntall', true],
    ['x'.repeat(199), false],
    ['x'.repeat(200), true],
    [TALL, true],
  ])('%j: %s', (text, expected) => {
    expect(mayBeTall(text)).toBe(expected)
  })
})

describe('CollapsibleBody', () => {
  it('renders a short message as before: no wrapper, no button', () => {
    expect(render('Hello *there*')).toBe(renderToStaticMarkup(<MessageBody text="Hello *there*" />))
  })

  it('starts a message that may be tall cut off, before it is measured, with all of its text', () => {
    const html = render(TALL)
    expect(html).toMatch(/^<div id="[^"]+" class="bc-message-clamp" data-collapsed="">/)
    // The button comes once the browser has laid the text out and found it taller than the clamp.
    expect(html).not.toContain('<button')
    // Every line is in the page: screen readers and copying get the whole message.
    expect(html).toContain(`data-testid="message-body">${TALL}</div>`)
  })
})

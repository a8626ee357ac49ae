// Formatting as people type it: Ana writes Slack's syntax, Ben (and Ana) read it as the elements
// it stands for, and markup stays text. Real Chromium, the whole local stack, a room per test.
import { describe, expect, it } from 'vitest'
import { expectVisible, type Person, STEP_MS, setupE2ESession, uniqueRoom } from './browser.ts'

/** How long a live message may take to reach the other side. */
const LIVE_MS = STEP_MS

const session = setupE2ESession()

/** Ana and Ben in a new room, Ana seeing Ben, so what she sends live reaches him. */
async function anaAndBen(): Promise<{ ana: Person; ben: Person }> {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)
  await expectVisible(
    ana.page.getByRole('list', { name: 'Participants' }).getByText('Ben'),
    LIVE_MS,
  )
  return { ana, ben }
}

/** The body of the message whose text contains `text`. */
const bodyWith = (person: Person, text: string) =>
  person.log.getByTestId('message-body').filter({ hasText: text })

function expectNoProblems() {
  for (const person of session.people) {
    expect(person.problems(), `${person.name}'s page`).toEqual([])
  }
}

describe('formatting', () => {
  it('shows bold, italic, strike, code, a quote and lists as their elements', async () => {
    const { ana, ben } = await anaAndBen()
    await ana.send(
      [
        'Plan: *ship it* _today_ ~tomorrow~ with `npm test`',
        '> measure twice',
        '- build',
        '* check',
        '1. first',
        '2. second',
      ].join('\n'),
    )

    for (const person of [ben, ana]) {
      const body = bodyWith(person, 'Plan:')
      await expectVisible(body, LIVE_MS)
      expect(await body.getByRole('strong').allTextContents()).toEqual(['ship it'])
      expect(await body.getByRole('emphasis').allTextContents()).toEqual(['today'])
      expect(await body.getByRole('deletion').allTextContents()).toEqual(['tomorrow'])
      expect(await body.getByRole('code').allTextContents()).toEqual(['npm test'])
      expect(await body.getByRole('blockquote').allTextContents()).toEqual(['measure twice'])
      // One bullet list (either marker), one numbered list.
      expect(await body.getByRole('list').count()).toBe(2)
      expect(await body.locator('ul > li').allTextContents()).toEqual(['build', 'check'])
      expect(await body.locator('ol > li').allTextContents()).toEqual(['first', 'second'])
      expect(await body.getByRole('listitem').count()).toBe(4)
      // The markers are gone from what people read.
      expect(await body.textContent()).not.toMatch(/[*_~`>]/)
    }
    await ana.allSaved()
    expectNoProblems()
  })

  it('keeps a fenced block as typed, and formats and links nothing in code', async () => {
    const { ana, ben } = await anaAndBen()
    await ana.send('```ts\nif (a) {\n    *not bold* https://example.com/\n}\n```')
    await ana.send('run `https://example.com/ *x*` and see https://example.com/doc')

    const block = ben.log.locator('pre')
    await expectVisible(block, LIVE_MS)
    // A message of only a fenced block is a block; its indentation is kept.
    expect(await block.getByRole('code').textContent()).toBe(
      'if (a) {\n    *not bold* https://example.com/\n}',
    )
    expect(await block.getAttribute('data-language')).toBe('ts')
    await expectVisible(bodyWith(ben, 'run'), LIVE_MS)
    // Only the address outside code is a link; nothing in code is bold.
    const links = ben.log.getByRole('link')
    expect(await links.count()).toBe(1)
    expect(await links.getAttribute('href')).toBe('https://example.com/doc')
    expect(await ben.log.getByRole('strong').count()).toBe(0)
    expect(await bodyWith(ben, 'run').getByRole('code').textContent()).toBe(
      'https://example.com/ *x*',
    )
    await ana.allSaved()
    expectNoProblems()
  })

  it('shows HTML as text, and what does not hug its text as typed', async () => {
    const { ana, ben } = await anaAndBen()
    const texts = [
      '<b>hi</b>',
      '<img src=x onerror="window.__pwned=1"> *<script>window.__pwned=1</script>*',
      'so 2*3*4 and snake_case_word and a * b * c',
    ]
    for (const text of texts) await ana.send(text)

    await expectVisible(ben.message('<b>hi</b>'), LIVE_MS)
    await expectVisible(ben.message('so 2*3*4 and snake_case_word and a * b * c'), LIVE_MS)
    const bodies = ben.log.getByTestId('message-body')
    expect(await bodies.locator('b, img, script').count()).toBe(0)
    // The script tag is text inside bold, which is all the markup there is.
    expect(await bodyWith(ben, 'onerror').getByRole('strong').textContent()).toBe(
      '<script>window.__pwned=1</script>',
    )
    expect(await ben.page.evaluate(() => '__pwned' in window)).toBe(false)
    expect(await ben.messages()).toEqual([
      '<b>hi</b>',
      '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script>',
      'so 2*3*4 and snake_case_word and a * b * c',
    ])
    expect(await bodies.locator('strong, em, del').count()).toBe(1)
    await ana.allSaved()
    expectNoProblems()
  })
})

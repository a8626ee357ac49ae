// Very tall messages (issue 19, item 11): a 2,000-line message is cut off at a few screens behind
// "Show more", a real button that the keyboard reaches and screen readers hear as expanded or not;
// the transcript keeps every line. Real Chromium, the whole local stack, a room per test.
import { readFile } from 'node:fs/promises'
import type { Locator } from 'playwright-core'
import { expect, it } from 'vitest'
import {
  chatFunction,
  expectHidden,
  expectVisible,
  type Person,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
  writeOf,
} from './browser.ts'

/** expect.poll waits as long as a step may take (STEP_MS: only a hang fails). */
const STEP = { timeout: STEP_MS }

const session = setupE2ESession()

// 2,000 lines within the 4,000 characters a message may have: a first and a last line to find,
// dots and empty lines between (an empty line is as tall as a line of text).
const FIRST_LINE = 'Top of the tall message'
const LAST_LINE = 'The very end'
const TALL = [
  FIRST_LINE,
  ...Array.from({ length: 1998 }, (_, i) => (i % 2 === 0 ? '.' : '')),
  LAST_LINE,
].join('\n')

/**
 * Types `text` into the "Message" field at once, as a paste would, and sends it with Enter; resolves
 * once the chat function stored it. (Playwright's fill took over ten seconds for the 2,000-line
 * text here; the app itself takes it at once.)
 */
async function sendPasted(person: Person, text: string) {
  const field = person.page.getByRole('textbox', { name: 'Message' })
  await field.evaluate((element, value) => {
    // The value through the element's own setter, then an input event: what React listens to.
    const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set
    setValue?.call(element, value)
    element.dispatchEvent(new Event('input', { bubbles: true }))
  }, text)
  const written = writeOf(person, text)
  await field.press('Enter')
  const response = await (await written).response()
  expect(response?.ok()).toBe(true)
}

/** The message (its `.bc-message` element) whose text contains `text`. */
const row = (person: Person, text: string) =>
  person.log.locator('.bc-message').filter({ hasText: text })

const height = async (person: Person, text: string) =>
  (await row(person, text).boundingBox())?.height ?? 0

/** The message list's height: the screen "a few screens" is measured in. */
const screen = (person: Person) => person.log.evaluate((log) => log.clientHeight)

/**
 * Where the message's last line is against the bottom of what its text box shows: 'shown' when
 * all of it is inside, 'cut off' when it lies below (a sighted reader cannot see it).
 */
const lastLine = (person: Person) =>
  row(person, FIRST_LINE)
    .locator('.bc-message-clamp')
    .evaluate((clamp, last) => {
      const walker = document.createTreeWalker(clamp, NodeFilter.SHOW_TEXT)
      let node = walker.nextNode()
      while (node && !node.textContent?.includes(last)) node = walker.nextNode()
      if (!node?.textContent) return 'missing'
      const range = document.createRange()
      const start = node.textContent.lastIndexOf(last)
      range.setStart(node, start)
      range.setEnd(node, start + last.length)
      const line = range.getBoundingClientRect()
      const box = clamp.getBoundingClientRect()
      if (line.bottom <= box.bottom + 1) return 'shown'
      return line.top >= box.bottom - 1 ? 'cut off' : 'partly'
    }, LAST_LINE)

/** Whether all of `locator` is inside the visible box of the message list. */
async function inLog(person: Person, locator: Locator) {
  const [box, log] = await Promise.all([locator.boundingBox(), person.log.boundingBox()])
  // A pixel of slack at either edge: scrolled into view, a box may sit a fraction of a pixel off
  // (194.5 against a list at 194.53).
  return !!box && !!log && box.y >= log.y - 1 && box.y + box.height <= log.y + log.height + 1
}

/** What has focus: a button's name and state, or the tag of anything else. */
const focused = (person: Person) =>
  person.page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null
    if (active?.tagName !== 'BUTTON') return active?.className || active?.tagName || ''
    return `${active.textContent} (expanded: ${active.getAttribute('aria-expanded')})`
  })

/** Whether the log is scrolled to its bottom (as "at the bottom" counts in message-list.tsx). */
const atBottom = (person: Person) =>
  person.log.evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight <= 48)

it('a 2,000-line message arrives cut off at a few screens, and Show more lets it out by keyboard', async () => {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)
  await ana.send('A short one first')
  await expectVisible(ben.message('A short one first'))
  await sendPasted(ana, TALL)

  // Ben sees it bounded: under three screens of the list, its last line out of sight, Show more.
  const tall = row(ben, FIRST_LINE)
  await expectVisible(tall)
  const showMore = tall.getByRole('button', { name: 'Show more' })
  await expectVisible(showMore)
  expect(await height(ben, FIRST_LINE)).toBeLessThan(3 * (await screen(ben)))
  expect(await showMore.getAttribute('aria-expanded')).toBe('false')
  const controlled = await showMore.getAttribute('aria-controls')
  expect(await tall.locator('.bc-message-clamp').getAttribute('id')).toBe(controlled)
  expect(await lastLine(ben)).toBe('cut off')
  // Every line is still in the page (screen readers, copying): only the view is cut.
  expect(await tall.getByTestId('message-body').textContent()).toBe(TALL)
  // A short message has no such button.
  expect(await row(ben, 'A short one first').getByRole('button', { name: /Show/ }).count()).toBe(0)

  // Ben stayed at the bottom, and still does when more comes.
  await expect.poll(() => atBottom(ben), STEP).toBe(true)
  await ana.send('And one after it')
  await expectVisible(ben.message('And one after it'))
  await expect.poll(() => atBottom(ben), STEP).toBe(true)
  expect(await ben.page.getByRole('button', { name: /New messages/ }).count()).toBe(0)

  // By keyboard: the list, ↑↑ to the tall message, Tab to Show more, Enter.
  await ben.log.focus()
  await ben.page.keyboard.press('End')
  await ben.page.keyboard.press('ArrowUp')
  await ben.page.keyboard.press('Tab')
  expect(await focused(ben)).toBe('Show more (expanded: false)')
  await ben.page.keyboard.press('Enter')

  // All of it shows; the button says so and keeps focus.
  await expect.poll(() => focused(ben), STEP).toBe('Show less (expanded: true)')
  await expect.poll(() => lastLine(ben), STEP).toBe('shown')
  expect(await height(ben, FIRST_LINE)).toBeGreaterThan(10 * (await screen(ben)))

  // Show less: cut off again, focus still on the button, and the button in view.
  await ben.page.keyboard.press('Enter')
  await expect.poll(() => focused(ben), STEP).toBe('Show more (expanded: false)')
  await expect.poll(() => lastLine(ben), STEP).toBe('cut off')
  expect(await height(ben, FIRST_LINE)).toBeLessThan(3 * (await screen(ben)))
  expect(await inLog(ben, showMore)).toBe(true)

  // The sender's own copy is cut off the same way.
  await expectVisible(row(ana, FIRST_LINE).getByRole('button', { name: 'Show more' }))
  for (const person of session.people) expect(person.problems(), person.name).toEqual([])
}, 60_000)

it('a link in the hidden part lets the message out when Tab reaches it', async () => {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i + 1}`)
  lines.push('https://example.com/hidden-at-the-end')
  await sendPasted(ana, lines.join('\n'))
  const showMore = row(ben, 'line 300').getByRole('button', { name: 'Show more' })
  await expectVisible(showMore)

  await ben.log.focus()
  await ben.page.keyboard.press('End')
  await ben.page.keyboard.press('Tab')
  // The link takes focus, and the message opens so that the focus can be seen.
  expect(await ben.page.evaluate(() => document.activeElement?.textContent)).toBe(
    'https://example.com/hidden-at-the-end',
  )
  const showLess = row(ben, 'line 300').getByRole('button', { name: 'Show less' })
  await expectVisible(showLess)
  expect(await showLess.getAttribute('aria-expanded')).toBe('true')
  await expectHidden(showMore)
}, 60_000)

it('a message let out stays let out when scrolled away and back, and Show less there keeps its button in view', async () => {
  const room = uniqueRoom()
  const api = chatFunction(session.app.url)
  const seeder = await api.tokenFor(room, 'Seeder')
  await api.post(room, seeder, { body: TALL })
  for (let i = 1; i <= 40; i++) await api.post(room, seeder, { body: `after ${i}` })
  const ben = await session.join('Ben', room)
  await expectVisible(ben.message('after 40'))

  const scrollTo = (where: 'top' | 'bottom') =>
    ben.log.evaluate((log, top) => {
      log.scrollTop = top ? 0 : log.scrollHeight
    }, where === 'top')
  await scrollTo('top')
  await row(ben, FIRST_LINE).getByRole('button', { name: 'Show more' }).click()
  await expect.poll(() => lastLine(ben), STEP).toBe('shown')

  // Far enough away that the list stops rendering it, then back.
  await expect
    .poll(async () => {
      await scrollTo('bottom')
      return row(ben, FIRST_LINE).count()
    }, STEP)
    .toBe(0)
  await scrollTo('top')
  const showLess = row(ben, FIRST_LINE).getByRole('button', { name: 'Show less' })
  await expectVisible(showLess)
  expect(await lastLine(ben)).toBe('shown')

  // Show less, read down to it mid-list: the text above it goes, the button keeps focus and stays
  // in view.
  await showLess.scrollIntoViewIfNeeded()
  await showLess.click()
  await expect.poll(() => focused(ben), STEP).toBe('Show more (expanded: false)')
  const showMore = row(ben, FIRST_LINE).getByRole('button', { name: 'Show more' })
  expect(await inLog(ben, showMore)).toBe(true)
}, 60_000)

it('the transcript keeps every line of a very tall message', async () => {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  await sendPasted(ana, TALL)

  const [download] = await Promise.all([
    ana.page.waitForEvent('download'),
    ana.page.getByRole('button', { name: 'Download transcript', exact: true }).click(),
  ])
  const markdown = await readFile((await download.path()) as string, 'utf8')
  // Quoted line by line (transcript.ts): the 2,000 lines, each as a quote line, in order.
  const quote = TALL.split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n')
  expect(markdown).toContain(quote)
}, 30_000)

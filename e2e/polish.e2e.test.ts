// The column as people see it: the action bar on hover and focus, arrow keys between messages,
// initials avatars, dark mode. Real Chromium, the whole local stack, a room per test. With
// BACKCHANNEL_SCREENSHOTS=1 the last test also writes docs/screenshots/column-{light,dark}.png
// (the README's pictures); without it, it takes them and keeps nothing.
import path from 'node:path'
import { expect, it } from 'vitest'
import {
  expectHidden,
  expectVisible,
  type Person,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'

/** How long a live message or reaction may take to reach the other side. */
const LIVE_MS = STEP_MS
const SCREENSHOTS = process.env.BACKCHANNEL_SCREENSHOTS === '1'
const SCREENSHOT_DIR = path.join(import.meta.dirname, '..', 'docs', 'screenshots')

const session = setupE2ESession()
const join = session.join.bind(session)

function expectNoProblems() {
  for (const person of session.people) {
    expect(person.problems(), `${person.name}'s page`).toEqual([])
  }
}

/** The row of the message whose text contains `text`. */
const row = (person: Person, text: string) =>
  person.log.locator('.bc-message').filter({ hasText: text })

/** The text of the focused element's message, or what has focus if it is not in a message. */
const focused = (person: Person) =>
  person.page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null
    const body = active?.querySelector('[data-testid="message-body"]')
    return body?.textContent ?? active?.getAttribute('aria-label') ?? active?.tagName ?? ''
  })

const opacity = (person: Person, text: string, name: string) =>
  row(person, text)
    .getByRole('button', { name, exact: true })
    .evaluate((button) => getComputedStyle(button).opacity)

it('the action bar shows on hover and focus, and Tab reaches React, Reply and the menu', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  await ben.send('First from Ben')
  await ben.send('Second from Ben')
  await expectVisible(ana.message('Second from Ben'), LIVE_MS)

  // Hidden until pointed at (a mouse is there: hover: hover).
  await ana.page.getByRole('textbox', { name: 'Message' }).focus()
  expect(await opacity(ana, 'First from Ben', 'Reply')).toBe('0')
  await row(ana, 'First from Ben').hover()
  for (const name of ['Add reaction', 'Reply', 'Message actions']) {
    await expect.poll(() => opacity(ana, 'First from Ben', name)).toBe('1')
  }
  expect(await opacity(ana, 'Second from Ben', 'Reply')).toBe('0')
  await ana.page.mouse.move(0, 0)

  // By keyboard: the list, ↓ to the first message (the bar shows), then Tab through the bar.
  await ana.log.focus()
  await ana.page.keyboard.press('ArrowDown')
  await expect.poll(() => focused(ana)).toBe('First from Ben')
  await expect.poll(() => opacity(ana, 'First from Ben', 'Reply')).toBe('1')
  await ana.page.keyboard.press('Tab')
  expect(await focused(ana)).toBe('Add reaction')
  await ana.page.keyboard.press('Tab')
  expect(await focused(ana)).toBe('Reply')
  await ana.page.keyboard.press('Tab')
  expect(await focused(ana)).toBe('Message actions')

  // The bar's Reply replies, as the menu's does.
  await row(ana, 'First from Ben').getByRole('button', { name: 'Reply', exact: true }).click()
  const banner = ana.page.getByText('Replying to Ben')
  await expectVisible(banner)
  await ana.page.getByRole('textbox', { name: 'Message' }).press('Escape')
  await expectHidden(banner)

  // The bar's React opens the picker; the menu still has its own items (menuitems, not buttons).
  await row(ana, 'Second from Ben').hover()
  await row(ana, 'Second from Ben').getByRole('button', { name: 'Add reaction' }).click()
  await expectVisible(ana.page.getByRole('dialog', { name: 'Add reaction' }))
  await ana.page.keyboard.press('Escape')
  expectNoProblems()
}, 30_000)

it('↑ and ↓ move focus between messages while the list has it; Home and End go to the ends', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  for (const text of ['one', 'two', 'three']) await ana.send(text)
  await expectVisible(ana.message('three'))

  await ana.log.focus()
  // Each key, and the message that has focus after it; at the first message ↑ stays there.
  const moves = [
    ['ArrowUp', 'three'],
    ['ArrowUp', 'two'],
    ['ArrowUp', 'one'],
    ['ArrowUp', 'one'],
    ['ArrowDown', 'two'],
    ['End', 'three'],
    ['Home', 'one'],
  ] as const
  for (const [key, message] of moves) {
    await ana.page.keyboard.press(key)
    expect(await focused(ana), `after ${key}`).toBe(message)
  }

  // Inside a message the keys are the message's own: ↓ on the menu button opens the menu.
  await row(ana, 'one').getByRole('button', { name: 'Message actions' }).focus()
  await ana.page.keyboard.press('ArrowDown')
  await expectVisible(ana.page.getByRole('menu', { name: 'Message actions' }))
  expect(await ana.page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe(
    'menuitem',
  )
  expectNoProblems()
}, 30_000)

it('avatars keep a colour per person for everyone; dark mode follows the system', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  await ana.send('Hi from Ana')
  await expectVisible(ben.message('Hi from Ana'), LIVE_MS)
  await ben.send('Hi from Ben')
  await expectVisible(ana.message('Hi from Ben'), LIVE_MS)

  const avatar = (person: Person, text: string) =>
    row(person, text)
      .locator('.bc-avatar')
      .evaluate((element) => ({
        text: element.textContent,
        colour: getComputedStyle(element).backgroundColor,
        hidden: element.getAttribute('aria-hidden'),
      }))
  const anaAsSeenByBen = await avatar(ben, 'Hi from Ana')
  expect(anaAsSeenByBen).toEqual(await avatar(ana, 'Hi from Ana'))
  expect(anaAsSeenByBen.text).toBe('A')
  expect(anaAsSeenByBen.hidden).toBe('true')
  expect((await avatar(ana, 'Hi from Ben')).text).toBe('B')
  expect((await avatar(ana, 'Hi from Ben')).colour).toEqual(
    (await avatar(ben, 'Hi from Ben')).colour,
  )

  const background = () =>
    ana.page
      .locator('.backchannel')
      .evaluate((element) => getComputedStyle(element).backgroundColor)
  await ana.page.emulateMedia({ colorScheme: 'light' })
  const light = await background()
  expect(light).toBe('rgb(255, 255, 255)')
  await ana.page.emulateMedia({ colorScheme: 'dark' })
  const dark = await background()
  expect(dark).not.toBe(light)
  expect(dark).toBe('rgb(22, 25, 31)')
  // The page around the column goes dark too.
  expect(
    await ana.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor),
  ).toBe('rgb(15, 17, 21)')
  // Emoji come from a colour emoji font where the system has one: the stack ends with them.
  expect(
    await ana.page
      .locator('.backchannel')
      .evaluate((element) => getComputedStyle(element).fontFamily),
  ).toMatch(/"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"$/)
  expectNoProblems()
}, 30_000)

/** The poll's options as a group, named by its question. */
const poll = (person: Person, question: string) =>
  person.log.getByRole('group', { name: `Poll: ${question}` })

/** A poll option's button, by its text (its name goes on with the count). */
const option = (person: Person, question: string, text: string) =>
  poll(person, question).getByRole('button', { name: new RegExp(`^${text} `) })

/** What a poll option says of its votes. */
const votes = (person: Person, question: string, text: string) =>
  option(person, question, text).locator('.bc-poll-option-count').textContent()

it('a stand-up with formatting, reactions, a reply, a mention, a pin, a poll and a private message, in light and dark', async () => {
  const room = uniqueRoom()
  // Ana hosts (owners pin); the pictures are her column.
  const ana = await session.joinAsOwner('Ana Lima', room)
  const ben = await join('Ben Okafor', room)
  const chloe = await join('Chloé Martin', room)
  await ana.page.setViewportSize({ width: 1000, height: 1110 })
  const participants = ana.page.getByRole('list', { name: 'Participants' })
  await expectVisible(participants.getByText('Ben Okafor'), LIVE_MS)
  await expectVisible(participants.getByText('Chloé Martin'), LIVE_MS)

  await ben.send('Morning! The *release notes* are ready for review 🎉')
  await ben.send('> ship on Friday\nStill the plan? `npm test` is green on main.')
  await expectVisible(row(ana, 'Still the plan?'), LIVE_MS)
  await row(ana, 'Still the plan?').hover()
  await row(ana, 'Still the plan?').getByRole('button', { name: 'Reply', exact: true }).click()
  await ana.send('Yes: _Friday_ it is. I will take:\n- the changelog\n- the demo')
  await expectVisible(row(ben, 'the changelog'), LIVE_MS)

  // Ana reacts to the notes, Ben joins in, and adds his own to the reply.
  await row(ana, 'release notes').hover()
  await row(ana, 'release notes').getByRole('button', { name: 'Add reaction' }).click()
  await ana.page
    .getByRole('dialog', { name: 'Add reaction' })
    .getByRole('button', { name: '👍' })
    .click()
  const thumbs = row(ben, 'release notes').getByRole('button', { name: '👍 1', exact: true })
  await expectVisible(thumbs, LIVE_MS)
  await thumbs.click()
  await row(ben, 'the changelog').hover()
  await row(ben, 'the changelog').getByRole('button', { name: 'Add reaction' }).click()
  await ben.page
    .getByRole('dialog', { name: 'Add reaction' })
    .getByRole('button', { name: '🙏' })
    .click()
  await expectVisible(
    row(ana, 'release notes').getByRole('button', { name: '👍 2', exact: true }),
    LIVE_MS,
  )
  await expectVisible(
    row(ana, 'the changelog').getByRole('button', { name: '🙏 1', exact: true }),
    LIVE_MS,
  )
  await expectVisible(row(ana, 'the changelog').locator('.bc-reply-quote'))

  // Chloé cheers the notes with an emoji of her own: two kinds of reaction side by side.
  await expectVisible(row(chloe, 'release notes'), LIVE_MS)
  await row(chloe, 'release notes').hover()
  await row(chloe, 'release notes').getByRole('button', { name: 'Add reaction' }).click()
  await chloe.page
    .getByRole('dialog', { name: 'Add reaction' })
    .getByRole('button', { name: '🎉' })
    .click()
  await expectVisible(
    row(ana, 'release notes').getByRole('button', { name: '🎉 1', exact: true }),
    LIVE_MS,
  )

  // Ana, the host, pins the notes: the bar at the top shows them.
  await row(ana, 'release notes').hover()
  await row(ana, 'release notes').getByRole('button', { name: 'Message actions' }).click()
  await ana.page.getByRole('menuitem', { name: 'Pin' }).click()
  await expectVisible(row(ana, 'release notes').getByText('Pinned', { exact: true }))
  await expectVisible(
    ana.page.getByRole('region', { name: 'Pinned messages' }).getByRole('button', {
      name: /^Go to the pinned message from Ben Okafor: Morning!/,
    }),
  )

  // Chloé asks Ana, picking her from the @ list: Ana sees it marked for her.
  const chloeField = chloe.page.getByRole('textbox', { name: 'Message' })
  await chloeField.pressSequentially('@Ana')
  await chloeField.press('Enter')
  expect(await chloeField.inputValue()).toBe('@Ana Lima ')
  await chloeField.pressSequentially('could you share the demo link before 11? ☕')
  await chloeField.press('Enter')
  await expectVisible(
    row(ana, 'share the demo link').getByText('Mentions you', { exact: true }),
    LIVE_MS,
  )

  // Ana asks where to celebrate; everyone votes.
  const question = 'Lunch after the release?'
  await ana.page.getByRole('button', { name: 'Create poll' }).click()
  const form = ana.page.getByRole('dialog', { name: 'New poll' })
  await form.getByRole('textbox', { name: 'Question' }).fill(question)
  await form.getByRole('textbox', { name: 'Option 1' }).fill('Tacos')
  await form.getByRole('textbox', { name: 'Option 2' }).fill('Ramen')
  await form.getByRole('button', { name: 'Add option' }).click()
  await form.getByRole('textbox', { name: 'Option 3' }).fill('Pizza')
  await form.getByRole('button', { name: 'Start poll' }).click()
  await expectHidden(form)
  for (const person of [ana, ben, chloe]) await expectVisible(poll(person, question), LIVE_MS)
  await ana.allSaved()
  await option(ben, question, 'Tacos').click()
  await option(chloe, question, 'Tacos').click()
  await option(ana, question, 'Ramen').click()
  await expect.poll(() => votes(ana, question, 'Tacos')).toBe('2 votes · 67%')
  await expect.poll(() => votes(ana, question, 'Ramen')).toBe('1 vote · 33%')
  await expect.poll(() => votes(ana, question, 'Pizza')).toBe('0 votes · 0%')

  // Ben offers help to Ana alone.
  await ben.page.getByRole('combobox', { name: 'Send to' }).selectOption({
    label: 'Ana Lima (private)',
  })
  await ben.send('Happy to pair on the demo tomorrow if that helps 🙂')
  await expectVisible(
    row(ana, 'pair on the demo').getByText('Private from Ben Okafor', { exact: true }),
    LIVE_MS,
  )
  for (const person of [ana, ben, chloe]) await person.allSaved()

  // Nothing hovered or focused: the column at rest.
  await ana.page.mouse.move(0, 0)
  await ana.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  const column = ana.page.locator('.backchannel')
  for (const scheme of ['light', 'dark'] as const) {
    await ana.page.emulateMedia({ colorScheme: scheme })
    const picture = await column.screenshot({
      animations: 'disabled',
      path: SCREENSHOTS ? path.join(SCREENSHOT_DIR, `column-${scheme}.png`) : undefined,
    })
    expect(picture.byteLength).toBeGreaterThan(10_000)
  }
  expectNoProblems()
}, 90_000)

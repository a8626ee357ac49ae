// Reactions as people use them: real Chromium, one browser context per person, the whole local
// stack. Every test has a room of its own.
import type { Locator } from 'playwright-core'
import { expect, it } from 'vitest'
import {
  expectHidden,
  expectVisible,
  type Person,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'

/** A live announcement, then the catch-up that reads the reaction from the function. */
const LIVE_MS = STEP_MS
const CATCH_UP_MS = 15_000

const session = setupE2ESession()
const join = session.join.bind(session)

function expectNoProblems() {
  for (const person of session.people) {
    expect(person.problems(), `${person.name}'s page`).toEqual([])
  }
}

/** The row of the message with exactly this text in someone's list. */
const row = (person: Person, text: string) =>
  person.log.locator('.bc-message', { has: person.page.getByText(text, { exact: true }) })

/** A reaction chip, by the name people hear: "👍 2". */
const chip = (person: Person, text: string, name: string): Locator =>
  row(person, text).getByRole('button', { name, exact: true })

it('reactions show live on both sides, toggle per person, and reach a late joiner', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  await ben.send('Lunch at noon?')
  await expectVisible(ana.message('Lunch at noon?'), LIVE_MS)
  await ben.allSaved()

  // Ana: Add reaction on Ben's message, then 👍 from the quick row.
  await row(ana, 'Lunch at noon?').hover()
  await row(ana, 'Lunch at noon?').getByRole('button', { name: 'Add reaction' }).click()
  const picker = ana.page.getByRole('dialog', { name: 'Add reaction' })
  const quick = picker.getByRole('group', { name: 'Quick reactions' })
  for (const emoji of ['👍', '❤️', '😂', '🎉', '😮', '🙏']) {
    await expectVisible(quick.getByRole('button', { name: emoji, exact: true }))
  }
  await expect.poll(() => ana.page.evaluate(() => document.activeElement?.textContent)).toBe('👍')
  await quick.getByRole('button', { name: '👍', exact: true }).click()
  await expectHidden(picker)

  await expectVisible(chip(ana, 'Lunch at noon?', '👍 1'), LIVE_MS)
  await expect
    .poll(() => chip(ana, 'Lunch at noon?', '👍 1').getAttribute('aria-pressed'))
    .toBe('true')
  // Ben sees it live: pressed for Ana only, and who reacted on hover and for screen readers.
  const bens = chip(ben, 'Lunch at noon?', '👍 1')
  await expectVisible(bens, LIVE_MS)
  expect(await bens.getAttribute('aria-pressed')).toBe('false')
  expect(await bens.getAttribute('title')).toBe('Ana reacted with 👍')
  await expect
    .poll(() => bens.evaluate((button) => button.getAttribute('aria-describedby')))
    .toBeTruthy()
  const description = await bens.evaluate(
    (button) =>
      document.getElementById(button.getAttribute('aria-describedby') ?? '')?.textContent ?? '',
  )
  expect(description).toBe('Ana reacted with 👍')

  // Ben adds his: "👍 2" on both sides, pressed on both.
  await bens.click()
  await expectVisible(chip(ben, 'Lunch at noon?', '👍 2'), LIVE_MS)
  await expectVisible(chip(ana, 'Lunch at noon?', '👍 2'), LIVE_MS)
  expect(await chip(ben, 'Lunch at noon?', '👍 2').getAttribute('aria-pressed')).toBe('true')
  expect(await chip(ana, 'Lunch at noon?', '👍 2').getAttribute('title')).toBe(
    'You and Ben reacted with 👍',
  )

  // Ana takes hers back: "👍 1", pressed for Ben only.
  await chip(ana, 'Lunch at noon?', '👍 2').click()
  await expectVisible(chip(ana, 'Lunch at noon?', '👍 1'), LIVE_MS)
  await expectVisible(chip(ben, 'Lunch at noon?', '👍 1'), LIVE_MS)
  expect(await chip(ana, 'Lunch at noon?', '👍 1').getAttribute('aria-pressed')).toBe('false')
  expect(await chip(ben, 'Lunch at noon?', '👍 1').getAttribute('aria-pressed')).toBe('true')

  // Someone who comes later reads the chips from history.
  const cyd = await join('Cyd', room)
  const cyds = chip(cyd, 'Lunch at noon?', '👍 1')
  await expectVisible(cyds, CATCH_UP_MS)
  expect(await cyds.getAttribute('aria-pressed')).toBe('false')
  expect(await cyds.getAttribute('title')).toBe('Ben reacted with 👍')
  expectNoProblems()
}, 45_000)

it('the message menu opens the picker; the full picker loads only when asked for', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const pickerChunks: string[] = []
  ana.page.on('request', (request) => {
    if (/emoji-picker[^/]*\.js$/.test(request.url())) pickerChunks.push(request.url())
  })
  await ana.send('Ship it')
  await ana.allSaved()

  // From the keyboard: the menu's Add reaction item, then Escape puts focus back on the menu.
  const menuButton = row(ana, 'Ship it').getByRole('button', { name: 'Message actions' })
  await menuButton.focus()
  await ana.page.keyboard.press('Enter')
  await ana.page.getByRole('menuitem', { name: 'Add reaction' }).click()
  const picker = ana.page.getByRole('dialog', { name: 'Add reaction' })
  await expectVisible(picker)
  await ana.page.keyboard.press('Escape')
  await expectHidden(picker)
  await expect
    .poll(() => menuButton.evaluate((button) => button === document.activeElement))
    .toBe(true)
  expect(pickerChunks).toEqual([])

  // More emoji: the full picker (every Unicode emoji, by category) arrives as its own chunk, with
  // the focus in its search field; searching narrows it, and an emoji picks like the quick row.
  await row(ana, 'Ship it').hover()
  await row(ana, 'Ship it').getByRole('button', { name: 'Add reaction' }).click()
  await picker.getByRole('button', { name: 'More emoji' }).click()
  const search = picker.getByRole('searchbox', { name: 'Search emoji' })
  await expectVisible(search)
  expect(pickerChunks).toHaveLength(1)
  await expect.poll(() => search.evaluate((field) => field === document.activeElement)).toBe(true)
  const emoji = picker.getByRole('grid', { name: 'Emoji' })
  const grinning = emoji
    .getByRole('row', { name: 'Smileys & emotion' })
    .getByRole('button', { name: '😀', exact: true })
  await expectVisible(grinning)
  expect(await grinning.getAttribute('title')).toBe('Grinning face')
  await search.fill('rocket')
  const rocket = emoji
    .getByRole('row', { name: 'Travel & places' })
    .getByRole('button', { name: '🚀', exact: true })
  await expectVisible(rocket)
  await expectHidden(grinning)
  await search.fill('no such emoji')
  await expectVisible(picker.getByText('No emoji found for “no such emoji”.'))
  await search.fill('rocket')
  await rocket.click()
  await expectHidden(picker)
  await expectVisible(chip(ana, 'Ship it', '🚀 1'), LIVE_MS)
  expect(await chip(ana, 'Ship it', '🚀 1').getAttribute('aria-pressed')).toBe('true')
  expect(pickerChunks).toHaveLength(1)
  expectNoProblems()
}, 30_000)

it('the full picker works from the keyboard alone: search, arrow keys, Enter', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  await ana.send('Here be dragons')
  await ana.allSaved()

  // Add reaction from its button, Tab past the quick row to More emoji, Enter.
  const react = row(ana, 'Here be dragons').getByRole('button', { name: 'Add reaction' })
  await react.focus()
  await ana.page.keyboard.press('Enter')
  const picker = ana.page.getByRole('dialog', { name: 'Add reaction' })
  await expectVisible(picker)
  const more = picker.getByRole('button', { name: 'More emoji' })
  for (let tab = 0; tab < 10; tab++) {
    if (await more.evaluate((button) => button === document.activeElement)) break
    await ana.page.keyboard.press('Tab')
  }
  expect(await more.evaluate((button) => button === document.activeElement)).toBe(true)
  await ana.page.keyboard.press('Enter')

  // Focus lands in the search field: type, then the arrow keys choose among the results (🐲 🐉
  // under Animals & nature, 🀄 under Activities) and Enter picks the chosen one.
  const search = picker.getByRole('searchbox', { name: 'Search emoji' })
  await expect
    .poll(() => search.evaluate((field) => field === document.activeElement), { timeout: STEP_MS })
    .toBe(true)
  await ana.page.keyboard.type('dragon')
  const cell = (name: string) =>
    picker
      .getByRole('gridcell')
      .filter({ has: ana.page.getByRole('button', { name, exact: true }) })
  await expectVisible(cell('🐉'))
  await expect.poll(() => cell('🐲').getAttribute('aria-selected')).toBe('true')
  await ana.page.keyboard.press('ArrowRight')
  await expect.poll(() => cell('🐉').getAttribute('aria-selected')).toBe('true')
  expect(await cell('🐲').getAttribute('aria-selected')).toBeNull()
  await ana.page.keyboard.press('Enter')
  await expectHidden(picker)
  await expectVisible(chip(ana, 'Here be dragons', '🐉 1'), LIVE_MS)
  expect(await chip(ana, 'Here be dragons', '🐉 1').getAttribute('aria-pressed')).toBe('true')

  // Escape from the search field closes the picker and gives the focus back.
  await row(ana, 'Here be dragons').hover()
  await react.click()
  await more.click()
  await expect
    .poll(() => search.evaluate((field) => field === document.activeElement), { timeout: STEP_MS })
    .toBe(true)
  await ana.page.keyboard.press('Escape')
  await expectHidden(picker)
  await expect.poll(() => react.evaluate((button) => button === document.activeElement)).toBe(true)
  expectNoProblems()
}, 30_000)

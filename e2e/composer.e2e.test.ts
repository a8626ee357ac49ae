// The composer as compact as in the chats people know: the Message field, "Attach file", "Insert
// emoji" and Send in one row, and "Send to" only when there is someone to send to. Real Chromium,
// the whole local stack, a room per test.
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

/** How long a join, a leave or a message may take to reach the other side. */
const LIVE_MS = STEP_MS

const session = setupE2ESession()
const join = session.join.bind(session)

async function box(locator: Locator) {
  const found = await locator.boundingBox()
  if (!found) throw new Error(`${locator} is not laid out`)
  return found
}

const field = (person: Person) => person.page.getByRole('textbox', { name: 'Message' })
const button = (person: Person, name: string) =>
  person.page.getByRole('button', { name, exact: true })
const sendTo = (person: Person) => person.page.getByRole('combobox', { name: 'Send to' })

/**
 * The field, then Attach file, Insert emoji and Send, left to right on the field's line: each
 * button's middle is within the field's height, and each starts where the one before ends.
 */
async function expectOneRow(person: Person) {
  const boxes = [
    await box(field(person)),
    await box(button(person, 'Attach file')),
    await box(button(person, 'Insert emoji')),
    await box(button(person, 'Send')),
  ]
  const [message] = boxes
  if (!message) throw new Error('no field')
  for (const [index, control] of boxes.entries()) {
    const middle = control.y + control.height / 2
    expect(middle, `control ${index}'s middle`).toBeGreaterThan(message.y)
    expect(middle, `control ${index}'s middle`).toBeLessThan(message.y + message.height)
    const before = boxes[index - 1]
    if (before)
      expect(control.x, `control ${index}`).toBeGreaterThanOrEqual(before.x + before.width)
  }
}

it('keeps the field and its buttons in one row; "Send to" shows only while someone else is in the call', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)

  // Alone: nobody to send privately to, so no choice.
  await expectOneRow(ana)
  expect(await sendTo(ana).count()).toBe(0)

  // Ben joins: Ana may write to everyone or to him, above the row.
  const ben = await join('Ben', room)
  await expectVisible(sendTo(ana), LIVE_MS)
  expect(await sendTo(ana).getByRole('option').allTextContents()).toEqual([
    'Everyone',
    'Ben (private)',
  ])
  await expectOneRow(ana)
  const choice = await box(sendTo(ana))
  expect(choice.y + choice.height).toBeLessThanOrEqual((await box(field(ana))).y)
  await expectOneRow(ben)

  // Ben leaves: the choice goes with him.
  await button(ben, 'Leave').click()
  await expectHidden(sendTo(ana), LIVE_MS)
  await expectOneRow(ana)
})

it('Insert emoji puts the emoji where the caret was; Escape closes the picker; the field keeps focus', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)

  await field(ana).fill('Lift off now')
  await field(ana).evaluate((input: HTMLTextAreaElement) => input.setSelectionRange(8, 8))
  await button(ana, 'Insert emoji').click()
  const picker = ana.page.getByRole('dialog', { name: 'Insert emoji' })
  const search = picker.getByRole('searchbox', { name: 'Search emoji' })
  await expectVisible(search)
  expect(await button(ana, 'Insert emoji').getAttribute('aria-expanded')).toBe('true')
  await search.fill('rocket')
  await picker
    .getByRole('grid', { name: 'Emoji' })
    .getByRole('button', { name: '🚀', exact: true })
    .click()
  await expectHidden(picker)
  expect(await field(ana).inputValue()).toBe('Lift off🚀 now')
  expect(await field(ana).evaluate((input) => input === document.activeElement)).toBe(true)
  // Typing goes on after the emoji.
  await ana.page.keyboard.type('!')
  expect(await field(ana).inputValue()).toBe('Lift off🚀! now')

  // Escape closes the picker without inserting anything, back in the field.
  await button(ana, 'Insert emoji').click()
  await expectVisible(search)
  await search.press('Escape')
  await expectHidden(picker)
  expect(await field(ana).evaluate((input) => input === document.activeElement)).toBe(true)
  expect(await field(ana).inputValue()).toBe('Lift off🚀! now')

  await field(ana).press('Enter')
  await expectVisible(ben.message('Lift off🚀! now'), LIVE_MS)
})

it('Attach file opens the file chooser; the file waits above the row', async () => {
  const ana = await join('Ana', uniqueRoom())
  const [chooser] = await Promise.all([
    ana.page.waitForEvent('filechooser'),
    button(ana, 'Attach file').click(),
  ])
  expect(chooser.isMultiple()).toBe(true)
  await chooser.setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') })
  const files = ana.page.getByRole('list', { name: 'Files to send' })
  await expectVisible(files.getByText('notes.txt'))
  const waiting = await box(files)
  expect(waiting.y + waiting.height).toBeLessThanOrEqual((await box(field(ana))).y)
  await expectOneRow(ana)
})

// Private messages as people use them: real Chromium, one browser context per person, the whole
// local stack. Ana writes to Ben alone; Ben replies privately; Cy, in the same room, never sees
// either, live, after a reload, or in a search.
import { describe, expect, it } from 'vitest'
import {
  expectHidden,
  expectVisible,
  type Person,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'

/** How long a live message may take to reach the other side. */
const LIVE_MS = STEP_MS
/** Loading history after a reload. */
const HISTORY_MS = 10_000

const session = setupE2ESession()
const join = session.join.bind(session)

/** The message (its row in the list) that shows exactly `text`. */
const messageRow = (person: Person, text: string) =>
  person.log.locator('.bc-message').filter({ has: person.page.getByText(text, { exact: true }) })

describe('private messages', () => {
  it('Ana writes to Ben alone, Ben answers privately, and Cy never learns of it', async () => {
    const room = uniqueRoom('private')
    const ana = await join('Ana', room)
    const ben = await join('Ben', room)
    const cy = await join('Cy', room)

    // Send to: Everyone first, then each person in the call, never Ana herself.
    const sendTo = ana.page.getByRole('combobox', { name: 'Send to' })
    await expect
      .poll(() => sendTo.locator('option').allTextContents())
      .toEqual(['Everyone', 'Ben (private)', 'Cy (private)'])
    await sendTo.selectOption({ label: 'Ben (private)' })
    await ana.send('Ben, the door code is 4711')
    await expectVisible(messageRow(ana, 'Ben, the door code is 4711').getByText('Private to Ben'))
    const atBen = messageRow(ben, 'Ben, the door code is 4711')
    await expectVisible(atBen, LIVE_MS)
    await expectVisible(atBen.getByText('Private from Ana'))

    // Back to everyone: this one Cy gets, and nothing before it.
    await sendTo.selectOption({ label: 'Everyone' })
    await ana.send('Lunch at noon, everyone')
    await expectVisible(cy.message('Lunch at noon, everyone'), LIVE_MS)
    expect(await cy.messages()).toEqual(['Lunch at noon, everyone'])

    // Ben replies to it: privately to Ana, whatever Send to said.
    await atBen.hover()
    await atBen.getByRole('button', { name: 'Reply' }).click()
    await expectVisible(ben.page.getByText('Replying privately to Ana'))
    expect(await ben.page.getByRole('combobox', { name: 'Send to' }).isDisabled()).toBe(true)
    await ben.send('Thanks, got it')
    const reply = messageRow(ana, 'Thanks, got it')
    await expectVisible(reply, LIVE_MS)
    await expectVisible(reply.getByText('Private from Ben'))
    await ana.allSaved()
    await ben.allSaved()

    // Cy: not after a reload either, nor in a search.
    await cy.send('Sounds good')
    await cy.page.reload()
    await expectVisible(cy.message('Sounds good'), HISTORY_MS)
    expect(await cy.messages()).toEqual(['Lunch at noon, everyone', 'Sounds good'])
    await cy.page.getByRole('searchbox', { name: 'Search messages' }).fill('door code')
    await expectVisible(cy.page.getByRole('status').filter({ hasText: 'No messages found.' }))
    // Ben, after a reload, still has both, marked.
    await ben.page.reload()
    await expectVisible(messageRow(ben, 'Thanks, got it').getByText('Private to Ana'), HISTORY_MS)
    await expectHidden(cy.message('Ben, the door code is 4711'))
    for (const person of session.people) expect(person.problems(), person.name).toEqual([])
  })
})

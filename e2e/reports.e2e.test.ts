// Reports as people make them: real Chromium, the whole local stack. Ben reports Ana's message
// from its menu with a reason; he sees "Reported", Ana sees nothing, and ops find the report in
// Studio's view of reported messages.
import postgres from 'postgres'
import { afterAll, describe, expect, inject, it } from 'vitest'
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

const session = setupE2ESession()
const join = session.join.bind(session)
const sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} })
afterAll(() => sql.end())

/** The message (its row in the list) that shows exactly `text`. */
const messageRow = (person: Person, text: string) =>
  person.log.locator('.bc-message').filter({ has: person.page.getByText(text, { exact: true }) })

async function openMenu(person: Person, text: string) {
  const row = messageRow(person, text)
  await row.hover()
  await row.getByRole('button', { name: 'Message actions' }).click()
  return person.page.getByRole('menu', { name: 'Message actions' })
}

describe('reports', () => {
  it("Ben reports Ana's message with a reason; ops see it, Ana does not", async () => {
    const room = uniqueRoom('report')
    const ana = await join('Ana', room)
    const ben = await join('Ben', room)
    const host = await session.joinAsOwner('Host', room)
    await ana.send('Buy cheap watches at example.com')
    await expectVisible(ben.message('Buy cheap watches at example.com'), LIVE_MS)
    await ana.allSaved()

    // Nobody can report their own message.
    const anaMenu = await openMenu(ana, 'Buy cheap watches at example.com')
    await expectVisible(anaMenu.getByRole('menuitem', { name: 'Delete' }))
    await expectHidden(anaMenu.getByRole('menuitem', { name: 'Report' }))
    await anaMenu.press('Escape')

    // Ben starts a report and thinks better of it: Esc cancels, focus back on the menu button.
    await (await openMenu(ben, 'Buy cheap watches at example.com'))
      .getByRole('menuitem', { name: 'Report' })
      .click()
    const form = ben.page.getByRole('form', { name: 'Report this message' })
    const reason = form.getByRole('textbox', { name: 'Why are you reporting this message?' })
    await expectVisible(reason)
    expect(await reason.evaluate((element) => element === document.activeElement)).toBe(true)
    await reason.press('Escape')
    await expectHidden(form)

    // Then reports it for real, by keyboard.
    await (await openMenu(ben, 'Buy cheap watches at example.com'))
      .getByRole('menuitem', { name: 'Report' })
      .press('Enter')
    await reason.press('Enter')
    await expectVisible(form.getByRole('alert').filter({ hasText: 'Say why' }))
    await reason.fill('Spam with a link')
    await reason.press('Enter')
    await expectHidden(form)
    const row = messageRow(ben, 'Buy cheap watches at example.com')
    await expectVisible(row.getByText('Reported', { exact: true }))
    const benMenu = await openMenu(ben, 'Buy cheap watches at example.com')
    await expectVisible(benMenu.getByRole('menuitem', { name: 'Reply' }))
    await expectHidden(benMenu.getByRole('menuitem', { name: 'Report' }))
    await benMenu.press('Escape')

    // The host sees a marker at once; after a reload Ben still sees "Reported".
    await expectVisible(
      messageRow(host, 'Buy cheap watches at example.com').getByText('Reported by 1 person'),
      LIVE_MS,
    )
    await ben.page.reload()
    await expectVisible(
      messageRow(ben, 'Buy cheap watches at example.com').getByText('Reported', { exact: true }),
      10_000,
    )

    // Ops see it in Studio's view; Ana's page shows nothing of it.
    const [reported] = await sql`
      select sender_name, body, reports, reasons from chat.reported_messages where room = ${room}`
    expect(reported).toEqual({
      sender_name: 'Ana',
      body: 'Buy cheap watches at example.com',
      reports: 1,
      reasons: 'Ben: Spam with a link',
    })
    await expectHidden(messageRow(ana, 'Buy cheap watches at example.com').getByText('Reported'))
    for (const person of session.people) expect(person.problems(), person.name).toEqual([])
  })
})

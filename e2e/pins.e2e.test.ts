// Pinned messages as a host and the room use them: real Chromium, the whole local stack. The
// host pins an old message from its menu; everyone sees it in the bar at the top at once, goes
// to it from there (older history loaded on the way), and it leaves when unpinned.
import { describe, expect, it } from 'vitest'
import {
  chatFunction,
  expectHidden,
  expectVisible,
  type Person,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'

/** How long a live change may take to reach the other side. */
const LIVE_MS = STEP_MS
/** Loading history (older pages included). */
const HISTORY_MS = 15_000

const session = setupE2ESession()

const messageRow = (person: Person, text: string) =>
  person.log.locator('.bc-message').filter({ has: person.page.getByText(text, { exact: true }) })

describe('pinned messages', () => {
  it('the host pins a message; everyone sees the bar, goes to it, and sees it go when unpinned', async () => {
    const room = uniqueRoom('pins')
    const api = chatFunction(session.app.url)
    const early = await api.tokenFor(room, 'Ana')
    await api.post(room, early, { body: 'Agenda: budget, then hiring' })
    for (let n = 1; n <= 80; n += 1) await api.post(room, early, { body: `chatter ${n}` })

    const host = await session.joinAsOwner('Host', room)
    const ben = await session.join('Ben', room)
    await host.send('Slides: see the shared drive')
    await expectVisible(ben.message('Slides: see the shared drive'), LIVE_MS)
    await host.allSaved()

    // Members have no Pin in the menu.
    const benRow = messageRow(ben, 'Slides: see the shared drive')
    await benRow.hover()
    await benRow.getByRole('button', { name: 'Message actions' }).click()
    await expectVisible(ben.page.getByRole('menuitem', { name: 'Reply' }))
    await expectHidden(ben.page.getByRole('menuitem', { name: 'Pin' }))
    await ben.page.keyboard.press('Escape')

    // The host pins their message by keyboard from its menu.
    const hostRow = messageRow(host, 'Slides: see the shared drive')
    const menuButton = hostRow.getByRole('button', { name: 'Message actions' })
    await menuButton.focus()
    await menuButton.press('Enter')
    await host.page.getByRole('menuitem', { name: 'Pin' }).click()
    await expectVisible(hostRow.getByText('Pinned', { exact: true }))
    const bar = ben.page.getByRole('region', { name: 'Pinned messages' })
    await expectVisible(
      bar.getByRole('button', {
        name: 'Go to the pinned message from Host: Slides: see the shared drive',
      }),
      LIVE_MS,
    )

    // An old one, pinned from Studio's side (the function, as ops or a script would): the host
    // pins it through the API too, and everyone's bar shows it as the newest.
    const hostApiPin = await host.page.evaluate(async () => {
      const joined = JSON.parse(sessionStorage.getItem('backchannel.joined') ?? '{}')
      const base = `/functions/v1/chat/rooms/${encodeURIComponent(joined.room)}`
      const auth = { Authorization: `Bearer ${joined.token}` }
      const search = await fetch(`${base}/search?q=agenda`, { headers: auth })
      const [agenda] = (await search.json()).messages
      const pinned = await fetch(`${base}/messages/${agenda.id}/pin`, {
        method: 'PUT',
        headers: auth,
      })
      return pinned.status
    })
    expect(hostApiPin).toBe(200)
    // Ben reads the pins again at his next catch-up: coming back to the tab is one.
    await ben.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
    const newest = bar.getByRole('button', {
      name: 'Go to the pinned message from Ana: Agenda: budget, then hiring',
    })
    await expectVisible(newest)
    await bar.getByRole('button', { name: 'All pins (2)' }).click()
    await expectVisible(bar.getByRole('list', { name: 'All pinned messages' }))
    expect(await bar.getByRole('list').getByRole('button').count()).toBe(2)

    // Going to it loads the older history it is in, and highlights it.
    await bar
      .getByRole('list', { name: 'All pinned messages' })
      .getByRole('button', { name: /Agenda: budget/ })
      .click()
    await expectVisible(ben.message('Agenda: budget, then hiring'), HISTORY_MS)
    await expectVisible(ben.log.locator('.bc-reply-target'))

    // Unpinned: gone from everyone's bar.
    await hostRow.hover()
    await menuButton.click()
    await host.page.getByRole('menuitem', { name: 'Unpin' }).click()
    await expectHidden(
      bar.getByRole('button', { name: /Go to the pinned message from Host/ }),
      LIVE_MS,
    )
    for (const person of session.people) expect(person.problems(), person.name).toEqual([])
  }, 60_000)
})

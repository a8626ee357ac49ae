// Never missing a message, as people live it: real Chromium, one browser context per person, the
// whole local stack. Ana looks away (her tab hidden) while Ben writes: her title counts what came,
// and when she comes back, or reloads, a "New messages" divider shows where to pick up.
import type { Page, Request } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { TokenResponse } from '../functions/_shared/protocol.ts'
import {
  chatFunction,
  expectVisible,
  type Person,
  STEP_MS,
  setTab,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'

/** How long a live message may take to reach the other side. */
const LIVE_MS = STEP_MS
/** Loading history after a reload. */
const HISTORY_MS = 10_000

const session = setupE2ESession()
const join = session.join.bind(session)
const tokenFor = (room: string, name: string) => chatFunction(session.app.url).tokenFor(room, name)
/** Writes a message as `who`; its id. */
const post = async (room: string, who: TokenResponse, body: string) =>
  (await chatFunction(session.app.url).post(room, who, { body })).id

/** The id of the message written with this body (from its POST). */
async function idOf(person: Person, body: string, send: () => Promise<void>) {
  const written = person.page.waitForRequest(
    (request: Request) =>
      request.method() === 'POST' &&
      /\/rooms\/[^/]+\/messages$/.test(request.url()) &&
      request.postDataJSON()?.body === body,
  )
  await send()
  return (await written).postDataJSON().id as string
}

/** The id of the message Ana's read position is at, as kept in her browser. */
const readMarkOf = (person: Person) =>
  person.page.evaluate(() => {
    const key = Object.keys(localStorage).find((name) => name.startsWith('backchannel.read.'))
    return key ? (JSON.parse(localStorage.getItem(key) ?? 'null')?.id as string) : undefined
  })

/** The body of the message the "New messages" divider sits above (one row of the list has both). */
const messageBelowDivider = (person: Person) =>
  person.log
    .locator('[data-index]')
    .filter({ has: person.page.getByRole('separator', { name: 'New messages' }) })
    .getByTestId('message-body')

/** Whether `inner` lies within `outer` on screen. */
async function shownWithin(inner: ReturnType<Page['locator']>, outer: ReturnType<Page['locator']>) {
  const [a, b] = await Promise.all([inner.boundingBox(), outer.boundingBox()])
  return !!a && !!b && a.y >= b.y && a.y + a.height <= b.y + b.height
}

describe('never missing a message', () => {
  it('a hidden tab counts new messages in its title; coming back or reloading shows "New messages" where they start', async () => {
    const room = uniqueRoom('unread')
    const title = `${room} · Backchannel`
    const ana = await join('Ana', room)
    const ben = await join('Ben', room)
    await ben.send('Morning, all')
    await expectVisible(ana.message('Morning, all'), LIVE_MS)
    await expect.poll(() => ana.page.title()).toBe(title)
    const divider = ana.log.getByRole('separator', { name: 'New messages' })
    // Ana read everything, live: nothing to divide.
    expect(await divider.count()).toBe(0)

    // Ana switches to another tab; Ben writes three messages.
    await setTab(ana.page, 'hidden')
    await ben.send('one')
    await ben.send('two')
    const threeId = await idOf(ben, 'three', () => ben.send('three'))
    await expectVisible(ana.message('three'), LIVE_MS)
    await expect.poll(() => ana.page.title()).toBe(`(3) ${title}`)
    // What she has not seen is not read, though the list showed it.
    expect(await readMarkOf(ana)).not.toBe(threeId)

    // She comes back: the count goes, the divider sits above Ben's first message since.
    await setTab(ana.page, 'visible')
    await expect.poll(() => ana.page.title()).toBe(title)
    await expectVisible(divider)
    expect(await messageBelowDivider(ana).textContent()).toBe('one')
    // All three are on her screen now: read.
    await expect.poll(() => readMarkOf(ana)).toBe(threeId)

    // She looks away again; Cyd (through the function, not live) writes a lot meanwhile.
    await setTab(ana.page, 'hidden')
    const cyd = await tokenFor(room, 'Cyd')
    let lastId = ''
    for (let n = 1; n <= 40; n++) lastId = await post(room, cyd, `catching up ${n}`)

    // She reloads: the list opens at the divider, above the first message she had not seen.
    await ana.page.reload()
    await expectVisible(ana.message('catching up 1'), HISTORY_MS)
    await expectVisible(divider)
    expect(await divider.count()).toBe(1)
    expect(await messageBelowDivider(ana).textContent()).toBe('catching up 1')
    await expect.poll(() => shownWithin(divider, ana.log)).toBe(true)
    // Opened there, not at the bottom: the newest message is further down (not even rendered, or
    // out of view).
    const newest = ana.message('catching up 40')
    expect((await newest.count()) === 0 || !(await shownWithin(newest, ana.log))).toBe(true)
    expect(await ana.page.title()).toBe(title)

    // She scrolls down to the newest: all read, so the next reload shows no divider.
    await ana.log.evaluate((log) => {
      log.scrollTop = log.scrollHeight
    })
    await expect.poll(() => readMarkOf(ana)).toBe(lastId)
    await ana.page.reload()
    await expectVisible(ana.message('catching up 40'), HISTORY_MS)
    expect(await divider.count()).toBe(0)
    for (const person of [ana, ben]) expect(person.problems(), person.name).toEqual([])
  }, 60_000)

  it('Alt+Shift+M takes focus to the Message field from anywhere in the call, as its hint says', async () => {
    const ana = await join('Ana', uniqueRoom('unread'))
    const field = ana.page.getByRole('textbox', { name: 'Message' })
    const isFocused = () => field.evaluate((element) => element === document.activeElement)

    // The hint: read with the field, and as its declared shortcut.
    const hintIds = (await field.getAttribute('aria-describedby'))?.split(' ') ?? []
    const hints = await Promise.all(
      hintIds.map((id) => ana.page.locator(`[id="${id}"]`).textContent()),
    )
    expect(hints.join(' ')).toContain('Alt+Shift+M')
    expect(await field.getAttribute('aria-keyshortcuts')).toBe('Alt+Shift+M')

    // From the message list, and from the page itself (nothing focused).
    await ana.log.focus()
    expect(await isFocused()).toBe(false)
    await ana.page.keyboard.press('Alt+Shift+M')
    expect(await isFocused()).toBe(true)
    await ana.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    expect(await isFocused()).toBe(false)
    await ana.page.keyboard.press('Alt+Shift+M')
    expect(await isFocused()).toBe(true)
    // It types nothing into the field.
    expect(await field.inputValue()).toBe('')
    expect(ana.problems()).toEqual([])
  })
})

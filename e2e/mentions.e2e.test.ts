import { describe, expect, it } from 'vitest'
import {
  expectHidden,
  expectVisible,
  type Person,
  STEP_MS,
  setTab,
  setupE2ESession,
  uniqueRoom,
  writeOf,
} from './browser.ts'

/** How long a live message may take to reach the other side. */
const LIVE_MS = STEP_MS

const session = setupE2ESession()
const join = session.join.bind(session)

/** The user id this person joined with (what the join screen kept for the tab). */
const userIdOf = (person: Person) =>
  person.page.evaluate(
    () => JSON.parse(sessionStorage.getItem('backchannel.joined') ?? '{}').user?.id as string,
  )

/** The message (its row in the list) whose text is exactly `text`. */
const messageRow = (person: Person, text: string) =>
  person.log
    .locator('.bc-message')
    .filter({ has: person.page.getByTestId('message-body') })
    .filter({
      has: person.page.getByText(text, { exact: true }),
    })

/**
 * Stands in for the browser's notification and sound machinery from the page's first script:
 * `Notification` records what is shown and how often permission was asked (the person says yes
 * when asked), and every tone the page plays is counted.
 */
async function watchAlerts(person: Person) {
  await person.context.addInitScript(() => {
    const record = { asked: 0, shown: [] as { title: string; body?: string }[], tones: 0 }
    Object.assign(window, { alertRecord: record })
    let permission: NotificationPermission = 'default'
    class RecordingNotification {
      static get permission() {
        return permission
      }
      static async requestPermission() {
        record.asked += 1
        permission = 'granted'
        return permission
      }
      onclick: (() => void) | null = null
      constructor(title: string, options?: { body?: string }) {
        record.shown.push({ title, body: options?.body })
      }
      close() {}
    }
    Object.assign(window, { Notification: RecordingNotification })
    const createOscillator = AudioContext.prototype.createOscillator
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      record.tones += 1
      return createOscillator.call(this)
    }
  })
  await person.page.reload()
  await person.log.waitFor({ state: 'visible' })
  return () =>
    person.page.evaluate(
      () =>
        (window as unknown as { alertRecord: { asked: number; shown: unknown[]; tones: number } })
          .alertRecord,
    )
}

describe('mentions', () => {
  it('Ana picks people from the @ list by keyboard; they see the message marked for them', async () => {
    const room = uniqueRoom('mention')
    const ana = await join('Ana', room)
    const ben = await join('Ben', room)
    const cy = await join('Cy', room)
    const field = ana.page.getByRole('textbox', { name: 'Message' })
    const list = ana.page.getByRole('listbox', { name: 'People to mention' })
    await expectVisible(
      ana.page.getByRole('list', { name: 'Participants' }).getByText('Cy', { exact: true }),
      LIVE_MS,
    )

    // "@" alone offers everyone else in the call (never Ana herself); ↓ moves, Esc closes.
    await field.pressSequentially('@')
    await expectVisible(list)
    expect(await list.getByRole('option').allTextContents()).toEqual(['BBen', 'CCy'])
    await expect
      .poll(() => list.getByRole('option', { selected: true }).textContent())
      .toContain('Ben')
    await field.press('ArrowDown')
    await expect
      .poll(() => list.getByRole('option', { selected: true }).textContent())
      .toContain('Cy')
    await field.press('Escape')
    await expectHidden(list)
    expect(await field.inputValue()).toBe('@')

    // Typing narrows the list; Enter picks Ben, Tab picks Cy.
    await field.fill('')
    await field.pressSequentially('@be')
    expect(await list.getByRole('option').allTextContents()).toEqual(['BBen'])
    await field.press('Enter')
    await expectHidden(list)
    expect(await field.inputValue()).toBe('@Ben ')
    await field.pressSequentially('can you review? @c')
    await field.press('Tab')
    expect(await field.inputValue()).toBe('@Ben can you review? @Cy ')
    // The field still has focus after picking with Tab.
    expect(await field.evaluate((element) => element === document.activeElement)).toBe(true)
    await field.pressSequentially('too')

    const text = '@Ben can you review? @Cy too'
    const written = writeOf(ana, text)
    await field.press('Enter')
    const [benId, cyId] = await Promise.all([userIdOf(ben), userIdOf(cy)])
    expect((await written).postDataJSON().mentions).toEqual([
      { userId: benId, name: 'Ben' },
      { userId: cyId, name: 'Cy' },
    ])

    // Ben and Cy see it live, marked for them, their names highlighted; screen readers say so.
    for (const person of [ben, cy]) {
      const row = messageRow(person, text)
      await expectVisible(row, LIVE_MS)
      await expectVisible(row.getByText('Mentions you', { exact: true }))
      expect(await row.locator('.bc-mention').allTextContents()).toEqual(['@Ben', '@Cy'])
      await expectVisible(person.page.getByText(`Ana mentioned you: ${text}`, { exact: true }))
    }
    // Ana's own message is no mention of her.
    await expectVisible(messageRow(ana, text))
    await expectHidden(messageRow(ana, text).getByText('Mentions you'))
    await ana.allSaved()

    // Dan joins later: the names are highlighted in history, and nothing is marked for him.
    const dan = await join('Dan', room)
    const row = messageRow(dan, text)
    await expectVisible(row, 10_000)
    expect(await row.locator('.bc-mention').allTextContents()).toEqual(['@Ben', '@Cy'])
    await expectHidden(row.getByText('Mentions you'))
    // Ben reloads: still marked for him, from history.
    await ben.page.reload()
    await expectVisible(messageRow(ben, text).getByText('Mentions you', { exact: true }), 10_000)

    // A name typed by hand, without picking it from the list, mentions nobody.
    const plain = writeOf(ana, '@Ben thanks')
    await ana.send('@Ben thanks')
    expect((await plain).postDataJSON().mentions ?? []).toEqual([])
    await expectVisible(ben.message('@Ben thanks'), LIVE_MS)
    await expectHidden(messageRow(ben, '@Ben thanks').getByText('Mentions you'))
  })

  it('a mention while Ben looks away notifies him, once he allowed it, and plays a sound he can turn off', async () => {
    const room = uniqueRoom('notify')
    const ben = await join('Ben', room)
    const ana = await join('Ana', room)
    const alerts = await watchAlerts(ben)
    // Nothing is asked on load.
    expect((await alerts()).asked).toBe(0)

    // Ben turns desktop notifications on from the column, by keyboard.
    const settings = ben.page.getByText('Notifications', { exact: true })
    await settings.focus()
    await settings.press('Enter')
    const allow = ben.page.getByRole('button', { name: 'Turn on desktop notifications' })
    await allow.focus()
    await allow.press('Enter')
    await expectVisible(
      ben.page.getByRole('status').filter({ hasText: 'Desktop notifications are on' }),
    )
    expect((await alerts()).asked).toBe(1)
    await expectHidden(allow)

    const mention = async (text: string) => {
      const field = ana.page.getByRole('textbox', { name: 'Message' })
      await field.pressSequentially('@Be')
      await field.press('Enter')
      await field.pressSequentially(text)
      await field.press('Enter')
      await expectVisible(ben.message(`@Ben ${text}`), LIVE_MS)
    }

    // Visible tab: the message is marked, nothing pops up.
    await mention('are you there?')
    expect(await alerts()).toMatchObject({ shown: [], tones: 0 })

    // Hidden tab: a notification and a sound; a message that mentions nobody raises neither.
    await setTab(ben.page, 'hidden')
    await ana.send('just chatting')
    await expectVisible(ben.message('just chatting'), LIVE_MS)
    expect(await alerts()).toMatchObject({ shown: [], tones: 0 })
    await mention('the build is red')
    await expect
      .poll(async () => (await alerts()).shown)
      .toEqual([{ title: 'Ana mentioned you', body: '@Ben the build is red' }])
    const tones = (await alerts()).tones
    expect(tones).toBeGreaterThan(0)

    // Ben turns the sound off: the next mention notifies silently.
    await setTab(ben.page, 'visible')
    await ben.page
      .getByRole('checkbox', { name: 'Play a sound when someone mentions me' })
      .uncheck()
    await setTab(ben.page, 'hidden')
    await mention('fixed now')
    await expect.poll(async () => (await alerts()).shown).toHaveLength(2)
    expect((await alerts()).tones).toBe(tones)

    // The choice holds across a reload.
    await setTab(ben.page, 'visible')
    await ben.page.reload()
    await ben.page.getByText('Notifications', { exact: true }).click()
    expect(
      await ben.page
        .getByRole('checkbox', { name: 'Play a sound when someone mentions me' })
        .isChecked(),
    ).toBe(false)
    for (const person of session.people) expect(person.problems(), person.name).toEqual([])
  })
})

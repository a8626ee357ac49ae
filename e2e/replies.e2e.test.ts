import { describe, expect, it } from 'vitest'
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

/** How long a live message may take to reach the other side. */
const LIVE_MS = STEP_MS
/** Loading history (older pages included). */
const HISTORY_MS = 15_000

const session = setupE2ESession()
const join = session.join.bind(session)
const tokenFor = (room: string, name: string) => chatFunction(session.app.url).tokenFor(room, name)
const post: ReturnType<typeof chatFunction>['post'] = (...args) =>
  chatFunction(session.app.url).post(...args)

/** Nobody's page threw, and no console error except the ones a test expects. */
function expectNoProblems(allowed: RegExp[] = []) {
  for (const person of session.people) {
    expect(person.problems(allowed), `${person.name}'s page`).toEqual([])
  }
}

/** The message (its row in the list) that shows exactly `text`. */
const messageRow = (person: Person, text: string) =>
  person.log.locator('.bc-message').filter({ has: person.page.getByText(text, { exact: true }) })

/** Opens a message's menu and picks Reply, with the mouse. */
async function replyTo(person: Person, text: string) {
  const row = messageRow(person, text)
  await row.hover()
  await row.getByRole('button', { name: 'Message actions' }).click()
  await person.page.getByRole('menuitem', { name: 'Reply' }).click()
}

describe('quoted replies', () => {
  it('Ana replies to Ben: a banner while she writes, the quote for everyone, live and later', async () => {
    const room = uniqueRoom('reply')
    const ana = await join('Ana', room)
    const ben = await join('Ben', room)
    const benWrote = writeOf(ben, 'Can we move the demo to Friday?')
    await ben.send('Can we move the demo to Friday?')
    const parentId = (await benWrote).postDataJSON().id
    await expectVisible(ana.message('Can we move the demo to Friday?'), LIVE_MS)
    await ben.allSaved()
    const field = ana.page.getByRole('textbox', { name: 'Message' })
    const banner = ana.page.getByText('Replying to Ben', { exact: true })

    // Reply, then think better of it: Esc in the field cancels.
    await replyTo(ana, 'Can we move the demo to Friday?')
    await expectVisible(banner)
    await expectVisible(
      ana.page.locator('.bc-reply-banner').getByText('Can we move the demo to Friday?'),
    )
    expect(await field.evaluate((element) => element === document.activeElement)).toBe(true)
    await field.press('Escape')
    await expectHidden(banner)

    // The close button cancels too.
    await replyTo(ana, 'Can we move the demo to Friday?')
    await ana.page.getByRole('button', { name: 'Cancel reply' }).click()
    await expectHidden(banner)

    // By keyboard: Tab to the message's menu, Enter opens it on Reply, Enter picks it.
    const menuButton = messageRow(ana, 'Can we move the demo to Friday?').getByRole('button', {
      name: 'Message actions',
    })
    await menuButton.focus()
    await menuButton.press('Enter')
    await ana.page.getByRole('menuitem', { name: 'Reply' }).press('Enter')
    await expectVisible(banner)
    expect(await field.getAttribute('aria-describedby')).toBeTruthy()

    const written = writeOf(ana, 'Friday works for me')
    await field.fill('Friday works for me')
    await field.press('Enter')
    expect((await written).postDataJSON()).toMatchObject({ replyTo: parentId })
    await expectHidden(banner)

    // Ana, Ben at once (live), and Cyd joining later (history) all see the quote on the reply.
    const cyd = await join('Cyd', room)
    for (const person of [ana, ben, cyd]) {
      const reply = messageRow(person, 'Friday works for me')
      const quote = reply.getByRole('button', { name: "Go to Ben's message" })
      await expectVisible(quote, person === cyd ? HISTORY_MS : LIVE_MS)
      expect(await quote.textContent()).toBe('Ben “Can we move the demo to Friday?”')
    }
    await ana.allSaved()
    expectNoProblems()
  }, 30_000)

  it('a quote leads to its message, loading older pages, and highlights it', async () => {
    const room = uniqueRoom('reply')
    // Ben asked long ago: 120 messages came between his question and the answer.
    const ben = await tokenFor(room, 'Ben')
    const question = await post(room, ben, { body: 'Who owns the launch checklist?' })
    // In any order among themselves (so, twenty at a time): they only have to come between.
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          post(room, ben, { body: `status update ${batch * 20 + n + 1}` }),
        ),
      )
    }
    await post(room, ben, { body: 'Answering my own question: Dee does', replyTo: question.id })

    const ana = await join('Ana', room)
    const quote = messageRow(ana, 'Answering my own question: Dee does').getByRole('button', {
      name: "Go to Ben's message",
    })
    // Not in the newest page: the quote is fetched on its own, once.
    await expectVisible(quote, HISTORY_MS)
    expect(await quote.textContent()).toBe('Ben “Who owns the launch checklist?”')
    expect(await ana.message('Who owns the launch checklist?').count()).toBe(0)

    await quote.click()
    const parent = ana.message('Who owns the launch checklist?')
    await expectVisible(parent, HISTORY_MS)
    // In view, focused (a screen reader reads it) and highlighted.
    await expect
      .poll(() => parent.evaluate((element) => element.closest('.bc-reply-target') !== null))
      .toBe(true)
    await expect
      .poll(() =>
        parent.evaluate((element) => {
          const focused = document.activeElement
          const box = element.getBoundingClientRect()
          const list = element.closest('[role="log"]')?.getBoundingClientRect()
          return Boolean(
            focused?.contains(element) && list && box.top >= list.top && box.bottom <= list.bottom,
          )
        }),
      )
      .toBe(true)
    // The highlight fades: it is gone by itself, not left on.
    await expect
      .poll(() => ana.log.locator('.bc-reply-target').count(), { timeout: STEP_MS })
      .toBe(0)
    expectNoProblems()
  }, 30_000)

  it('says when the message replied to was deleted, or is not to be had', async () => {
    const room = uniqueRoom('reply')
    const ben = await tokenFor(room, 'Ben')
    const kept = await post(room, ben, { body: 'this one stays' })
    const doomed = await post(room, ben, { body: 'this one goes' })
    await post(room, ben, { body: 'replying to the doomed one', replyTo: doomed.id })
    await post(room, ben, { body: 'replying to the one that stays', replyTo: kept.id })

    const ana = await join('Ana', room)
    const benInCall = await join('Ben', room, { token: ben.token })
    await expectVisible(
      messageRow(ana, 'replying to the doomed one').getByRole('button', {
        name: "Go to Ben's message",
      }),
      HISTORY_MS,
    )

    // Ben deletes his message while Ana watches: her quote says so at once.
    const doomedRow = messageRow(benInCall, 'this one goes')
    await doomedRow.hover()
    await doomedRow.getByRole('button', { name: 'Message actions' }).click()
    await benInCall.page.getByRole('menuitem', { name: 'Delete' }).click()
    await benInCall.page
      .getByRole('group', { name: 'Delete this message?' })
      .getByRole('button', { name: 'Delete' })
      .click()
    const deletedQuote = messageRow(ana, 'replying to the doomed one').getByRole('button', {
      name: 'Go to the deleted message',
    })
    await expectVisible(deletedQuote, LIVE_MS)
    expect(await deletedQuote.textContent()).toBe('Message deleted')

    // After a reload the deleted message is not in history and cannot be fetched.
    await ana.page.reload()
    await expectVisible(
      messageRow(ana, 'replying to the doomed one').getByText('Original message unavailable'),
      HISTORY_MS,
    )
    await expectVisible(
      messageRow(ana, 'replying to the one that stays').getByRole('button', {
        name: "Go to Ben's message",
      }),
    )
    // The browser reports the fetch of the deleted message, answered 404, as a console error.
    expectNoProblems([/status of 404/])
  }, 30_000)
})

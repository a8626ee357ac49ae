// Q&A as people use it (issue 22): real Chromium, one browser context per person, the whole local
// stack, whose function sends the board's news through the relay from 'API' as Daily's REST API
// would. Ana asks, Ben sees it live and upvotes, the host marks it answering and answers it, and
// someone who joins late sees the same board; and five people with a sixth who joins late, as
// issue 22 asks. Everything is found by role and name; axe-core checks what each role sees.

import type { RoomSettings } from '@shared/protocol.ts'
import { expect, it } from 'vitest'
import { accessibilityViolations } from './axe.ts'
import {
  expectHidden,
  expectVisible,
  ownerToken,
  type Person,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'

const session = setupE2ESession()
const join = session.join.bind(session)

/** The Questions tab, whose name carries the count: "Questions (1)". */
const questionsTab = (person: Person) => person.page.getByRole('tab', { name: /^Questions/ })

/** Opens the Questions view by clicking its tab. */
async function openQuestions(person: Person) {
  await questionsTab(person).click()
  await expectVisible(person.page.getByRole('region', { name: 'Question board' }))
}

/** A question of the board, found by its text. */
const questionItem = (person: Person, text: string) =>
  person.page.getByRole('listitem').filter({ has: person.page.getByText(text, { exact: true }) })

/** What the question's vote count says. */
const votesOf = (person: Person, text: string) =>
  questionItem(person, text).locator('.bc-question-votes').textContent()

/** What the page's polite live regions say now (what a screen reader was last told). */
const announced = (person: Person) => person.page.locator('[aria-live="polite"]').allTextContents()

/** Sets a room's Q&A rules as its owner would, before anyone joins (so nobody need be told). */
async function setQuestionRules(
  room: string,
  token: string,
  questions: NonNullable<RoomSettings['questions']>,
) {
  const settings: RoomSettings = {
    send: 'everyone',
    slowModeSeconds: 0,
    privateMessages: true,
    questions,
  }
  const response = await fetch(`${session.app.url}/functions/v1/chat/rooms/${room}/settings`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(settings),
  })
  expect(response.status).toBe(200)
}

/** Asks `text` from the Questions view, as a person types it. */
async function ask(person: Person, text: string) {
  const field = person.page.getByRole('textbox', { name: 'Ask a question' })
  await field.fill(text)
  await field.press('Enter')
  await expectVisible(questionItem(person, text))
}

function expectNoProblems() {
  for (const person of session.people) {
    expect(person.problems(), `${person.name}'s page`).toEqual([])
  }
}

it('three people: Ana asks, Ben sees it live and upvotes, the host answers it, a late joiner sees the board', async () => {
  const room = uniqueRoom()
  const host = await session.joinAsOwner('Host', room)
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  const question = 'Will the slides be shared after the call?'

  // Ana, by keyboard: from the Chat tab, the Right arrow goes to Questions; then Tab to the field.
  const chatTab = ana.page.getByRole('tab', { name: 'Chat' })
  expect(await chatTab.getAttribute('aria-selected')).toBe('true')
  await chatTab.focus()
  await ana.page.keyboard.press('ArrowRight')
  await expect.poll(() => questionsTab(ana).getAttribute('aria-selected')).toBe('true')
  await expect
    .poll(() => ana.page.evaluate(() => document.activeElement?.getAttribute('role')))
    .toBe('tab')
  const field = ana.page.getByRole('textbox', { name: 'Ask a question' })
  await expectVisible(field)
  await field.fill(question)
  await field.press('Enter')
  await expectVisible(questionItem(ana, question))
  expect(await field.inputValue()).toBe('')
  // Her own question: hers to see as "You", not hers to upvote.
  const anaUpvote = ana.page.getByRole('button', {
    name: /^Upvote: Will the slides/,
  })
  await expect.poll(() => anaUpvote.isDisabled()).toBe(true)
  await expectVisible(questionItem(ana, question).getByText('You'))

  // Ben sees it live: the tab's count, the question under Ana's name, and his screen reader told.
  await expect.poll(() => questionsTab(ben).textContent()).toBe('Questions (1)')
  await expect.poll(() => announced(ben)).toContain(`New question: ${question}`)
  await openQuestions(ben)
  await expectVisible(questionItem(ben, question).getByText('Ana'))
  const benUpvote = ben.page.getByRole('button', {
    name: /^Upvote: Will the slides/,
  })
  await benUpvote.click()
  await expect.poll(() => benUpvote.getAttribute('aria-pressed')).toBe('true')

  // The count moves for everyone; only Ben's button is pressed.
  await openQuestions(ana)
  await openQuestions(host)
  for (const person of [ana, ben, host]) {
    await expect.poll(() => votesOf(person, question)).toBe('1 vote')
  }
  expect(
    await host.page
      .getByRole('button', { name: /^Upvote: Will the slides/ })
      .getAttribute('aria-pressed'),
  ).toBe('false')
  // Voted on, it is no longer Ana's to edit.
  await expectHidden(ana.page.getByRole('button', { name: /^Edit: / }))

  // The host is answering it now: highlighted for everyone, and screen readers are told.
  await host.page.getByRole('button', { name: /^Answering now: Will the slides/ }).click()
  for (const person of [ana, ben, host]) {
    await expectVisible(questionItem(person, question).getByText('Being answered now'))
  }
  await expect.poll(() => announced(ben)).toContain(`Now answering: ${question}`)
  // Only owners answer.
  await expectHidden(ben.page.getByRole('button', { name: /^Mark answered/ }))
  // axe finds nothing in the Questions view, as a member and as an owner sees it.
  for (const person of [ben, host]) {
    expect(await accessibilityViolations(person.page, '.bc-chat-column'), person.name).toEqual([])
  }

  // By keyboard: Enter opens the answer form in place, Escape closes it, focus stays on the question.
  await host.page.getByRole('button', { name: /^Mark answered: Will the slides/ }).focus()
  await host.page.keyboard.press('Enter')
  await expect
    .poll(() => host.page.evaluate(() => document.activeElement?.tagName))
    .toBe('TEXTAREA')
  await host.page.keyboard.press('Escape')
  await expect
    .poll(() =>
      host.page.evaluate(() => document.activeElement?.closest('li')?.textContent ?? 'nowhere'),
    )
    .toContain(question)

  // Answered, with a written answer; nobody votes for it any more.
  await host.page.getByRole('button', { name: /^Mark answered: Will the slides/ }).click()
  const answer = host.page.getByRole('textbox', { name: 'Written answer (optional)' })
  await answer.fill('Yes, by email tonight.')
  await host.page.getByRole('button', { name: 'Save answer' }).click()
  for (const person of [ana, ben, host]) {
    await expectVisible(questionItem(person, question).getByText('Answered', { exact: true }))
    await expectVisible(questionItem(person, question).getByText('Yes, by email tonight.'))
  }
  await expect.poll(() => benUpvote.isDisabled()).toBe(true)
  expect(await accessibilityViolations(ben.page, '.bc-chat-column')).toEqual([])

  // Someone who joins later sees the same board.
  const dee = await join('Dee', room)
  await expect.poll(() => questionsTab(dee).textContent()).toBe('Questions (1)')
  await openQuestions(dee)
  await expectVisible(questionItem(dee, question).getByText('Yes, by email tonight.'))
  expect(await votesOf(dee, question)).toBe('1 vote')
  expectNoProblems()
}, 90_000)

it("a question that is too long is refused in the function's own words, in an alert, and what was typed stays", async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  await openQuestions(ana)
  // No "Ask anonymously" in a room that does not allow anonymous questions.
  await expectHidden(ana.page.getByRole('checkbox', { name: 'Ask anonymously' }))
  const field = ana.page.getByRole('textbox', { name: 'Ask a question' })
  const long = 'Why? '.repeat(101)
  await field.fill(long)
  await ana.page.getByRole('button', { name: 'Ask', exact: true }).click()
  await expectVisible(
    ana.page.getByRole('alert').getByText('A question is at most 500 characters. Shorten it.'),
  )
  expect(await field.inputValue()).toBe(long)
  expect(await questionsTab(ana).textContent()).toBe('Questions (0)')
  expectNoProblems()
})

it('anonymous questions that wait for approval: the host approves one and rejects the other, and nobody sees who asked', async () => {
  const room = uniqueRoom()
  const owner = await ownerToken(room, 'Host')
  await setQuestionRules(room, owner.token, {
    who: 'everyone',
    anonymous: true,
    needApproval: true,
  })
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  const kept = 'How do we report a bug in production?'
  const dropped = 'Can I have the afternoon off?'

  await openQuestions(ana)
  await ana.page.getByRole('checkbox', { name: 'Ask anonymously' }).check()
  await ask(ana, kept)
  await ask(ana, dropped)
  for (const text of [kept, dropped]) {
    await expectVisible(questionItem(ana, text).getByText('Waiting for approval'))
    await expectVisible(questionItem(ana, text).getByText('You (anonymously)'))
  }
  // Nothing waiting reaches Ben.
  await openQuestions(ben)
  expect(await questionsTab(ben).textContent()).toBe('Questions (0)')

  // The host reads the board on joining: both waiting, neither named.
  const host = await session.join('Host', room, { token: owner.token })
  await openQuestions(host)
  for (const text of [kept, dropped]) {
    await expectVisible(questionItem(host, text).getByText('Waiting for approval'))
    await expectVisible(questionItem(host, text).getByText('Anonymous', { exact: true }))
  }
  expect(await accessibilityViolations(host.page, '.bc-chat-column')).toEqual([])
  await host.page.getByRole('button', { name: /^Approve: How do we report/ }).click()
  await host.page.getByRole('button', { name: /^Reject: Can I have/ }).click()
  await expectHidden(questionItem(host, dropped))

  // Ben sees the approved one live, as Anonymous; Ana sees hers approved, and the other rejected.
  await expectVisible(questionItem(ben, kept).getByText('Anonymous', { exact: true }))
  await expect.poll(() => questionsTab(ben).textContent()).toBe('Questions (1)')
  await expect.poll(() => announced(ben)).toContain(`New question: ${kept}`)
  await expectHidden(questionItem(ana, kept).getByText('Waiting for approval'))
  await expectVisible(questionItem(ana, dropped).getByText('Rejected'))
  expect(await accessibilityViolations(ana.page, '.bc-chat-column')).toEqual([])
  const benBoard = await ben.page.getByRole('region', { name: 'Question board' }).textContent()
  expect(benBoard).not.toContain('Ana')
  expect(benBoard).not.toContain(dropped)
  // Ben upvotes it; Ana's own anonymous question is not hers to upvote, and the count reaches her.
  await ben.page.getByRole('button', { name: /^Upvote: How do we report/ }).click()
  await expect.poll(() => votesOf(ana, kept)).toBe('1 vote')
  expectNoProblems()
}, 90_000)

it("the order holds still under Ben's pointer or focus, counts change in place, and 'N updates — show' or leaving applies it", async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  const cy = await join('Cy', room)
  const older = 'First question, asked first'
  const newer = 'Second question, about to be popular'
  await openQuestions(ana)
  await ask(ana, older)
  await ask(ana, newer)
  await openQuestions(ben)
  await openQuestions(cy)
  const order = (person: Person) =>
    person.page
      .getByRole('list', { name: 'Questions, most voted first' })
      .locator('.bc-question-body')
      .allTextContents()
  await expect.poll(() => order(ben)).toEqual([older, newer])

  // Ben's pointer rests on the first question while Cy's vote would move the second above it.
  await questionItem(ben, older).hover()
  await cy.page.getByRole('button', { name: /^Upvote: Second question/ }).click()
  await expect.poll(() => votesOf(ben, newer)).toBe('1 vote')
  expect(await order(ben)).toEqual([older, newer])
  const show = ben.page.getByRole('button', { name: '2 updates — show' })
  await expectVisible(show)
  // Elsewhere the order moved at once.
  await expect.poll(() => order(ana)).toEqual([newer, older])

  await show.click()
  await expect.poll(() => order(ben)).toEqual([newer, older])
  await expectHidden(show)

  // Cy takes the vote back while Ben's pointer is still there; it moves once the pointer leaves.
  await cy.page.getByRole('button', { name: /^Upvote: Second question/ }).click()
  await expect.poll(() => votesOf(ben, newer)).toBe('0 votes')
  expect(await order(ben)).toEqual([newer, older])
  await ben.page.getByRole('tab', { name: 'Chat' }).hover()
  await expect.poll(() => order(ben)).toEqual([older, newer])

  // Keyboard focus in the list holds it the same way, until focus leaves it.
  await ben.page.getByRole('button', { name: /^Upvote: First question/ }).focus()
  await cy.page.getByRole('button', { name: /^Upvote: Second question/ }).click()
  await expect.poll(() => votesOf(ben, newer)).toBe('1 vote')
  expect(await order(ben)).toEqual([older, newer])
  await ben.page.getByRole('textbox', { name: 'Ask a question' }).focus()
  await expect.poll(() => order(ben)).toEqual([newer, older])
  expectNoProblems()
}, 90_000)

it('the host approves several waiting questions at once, ticked on the board', async () => {
  const room = uniqueRoom()
  const owner = await ownerToken(room, 'Host')
  await setQuestionRules(room, owner.token, {
    who: 'everyone',
    anonymous: false,
    needApproval: true,
  })
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  await openQuestions(ana)
  const questions = ['Question one?', 'Question two?', 'Question three?']
  for (const text of questions) await ask(ana, text)

  const host = await session.join('Host', room, { token: owner.token })
  await openQuestions(host)
  const review = host.page.getByRole('group', { name: '3 questions wait for approval' })
  await expectVisible(review)
  await host.page.getByRole('checkbox', { name: 'Select: Question one?' }).check()
  await host.page.getByRole('checkbox', { name: 'Select: Question three?' }).check()
  await review.getByRole('button', { name: 'Approve selected (2)' }).click()

  await openQuestions(ben)
  await expect.poll(() => questionsTab(ben).textContent()).toBe('Questions (2)')
  await expectVisible(questionItem(ben, 'Question one?'))
  await expectVisible(questionItem(ben, 'Question three?'))
  await expectHidden(questionItem(ben, 'Question two?'))
  // One left waiting: reviewed on its own, without the bar.
  await expectHidden(host.page.getByRole('group', { name: /wait for approval$/ }))
  await expectVisible(host.page.getByRole('button', { name: 'Approve: Question two?' }))
  expectNoProblems()
}, 90_000)

it('five people ask, vote and go anonymous, the owner approves and answers, and a sixth who joins late sees the same board', async () => {
  const room = uniqueRoom()
  const owner = await ownerToken(room, 'Host')
  await setQuestionRules(room, owner.token, {
    who: 'everyone',
    anonymous: true,
    needApproval: true,
  })
  const host = await session.join('Host', room, { token: owner.token })
  const [ana, ben, cy, dee] = [
    await join('Ana', room),
    await join('Ben', room),
    await join('Cy', room),
    await join('Dee', room),
  ] as const
  const everyone = [host, ana, ben, cy, dee]
  for (const person of everyone) await openQuestions(person)
  const roadmap = 'What is on the roadmap for next quarter?'
  const hiring = 'Is the team hiring this year?'
  const recording = 'Will there be a recording of this call?'

  await ask(ana, roadmap)
  await ben.page.getByRole('checkbox', { name: 'Ask anonymously' }).check()
  await ask(ben, hiring)
  await ask(cy, recording)
  // Waiting: nothing reaches Dee; the host's board shows all three (Ben's unnamed) without a reload.
  expect(await questionsTab(dee).textContent()).toBe('Questions (0)')
  const review = host.page.getByRole('group', { name: '3 questions wait for approval' })
  await expectVisible(review)
  await expectVisible(questionItem(host, hiring).getByText('Anonymous', { exact: true }))
  for (const text of [roadmap, hiring, recording]) {
    await host.page.getByRole('checkbox', { name: `Select: ${text}` }).check()
  }
  await review.getByRole('button', { name: 'Approve selected (3)' }).click()
  for (const person of everyone) {
    await expect.poll(() => questionsTab(person).textContent()).toBe('Questions (3)')
  }

  // Votes, Dee's by keyboard: Cy's question 2, Ana's 1, Ben's 1.
  const upvote = (person: Person, text: string) =>
    person.page.getByRole('button', { name: `Upvote: ${text}` })
  await upvote(dee, recording).focus()
  await dee.page.keyboard.press('Space')
  await expect.poll(() => upvote(dee, recording).getAttribute('aria-pressed')).toBe('true')
  await upvote(ana, recording).click()
  await upvote(ben, roadmap).click()
  await upvote(dee, hiring).click()
  const order = (person: Person) =>
    person.page
      .getByRole('list', { name: 'Questions, most voted first' })
      .locator('.bc-question-body')
      .allTextContents()
  for (const person of everyone) {
    // The order holds still under a pointer or focus on the board: both leave it first.
    await person.page.getByRole('tab', { name: 'Chat' }).hover()
    await person.page.getByRole('textbox', { name: 'Ask a question' }).focus()
    await expect.poll(() => order(person)).toEqual([recording, roadmap, hiring])
  }

  // The host answers Cy's question: first "Answering now" for everyone, then the written answer.
  await host.page.getByRole('button', { name: `Answering now: ${recording}` }).click()
  for (const person of everyone) {
    await expectVisible(questionItem(person, recording).getByText('Being answered now'))
  }
  await expect.poll(() => announced(dee)).toContain(`Now answering: ${recording}`)
  await host.page.getByRole('button', { name: `Mark answered: ${recording}` }).click()
  await host.page
    .getByRole('textbox', { name: 'Written answer (optional)' })
    .fill('Yes, in the team folder by tonight.')
  await host.page.getByRole('button', { name: 'Save answer' }).click()

  // Eve joins late and sees the same board: order, counts, the answer, Ben's question unnamed.
  const eve = await join('Eve', room)
  await openQuestions(eve)
  await expect.poll(() => order(eve)).toEqual([recording, roadmap, hiring])
  expect(await votesOf(eve, recording)).toBe('2 votes')
  expect(await votesOf(eve, roadmap)).toBe('1 vote')
  await expectVisible(questionItem(eve, recording).getByText('Yes, in the team folder by tonight.'))
  await expectVisible(questionItem(eve, hiring).getByText('Anonymous', { exact: true }))
  // Nobody but Ben learns who asked it, owners included.
  for (const person of [host, ana, cy, dee, eve]) {
    expect(await questionItem(person, hiring).textContent(), person.name).not.toContain('Ben')
  }
  for (const person of [eve, host]) {
    expect(await accessibilityViolations(person.page, '.bc-chat-column'), person.name).toEqual([])
  }
  expectNoProblems()
}, 120_000)

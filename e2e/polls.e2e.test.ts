// Polls as people use them: real Chromium, one browser context per person, the whole local stack.
// Three people: Ana starts a poll from the composer, Ben and Cy vote and change their minds, the
// counts move live for everyone, Ana closes it, and a late joiner sees the result.
import { expect, it } from 'vitest'
import { expectHidden, expectVisible, type Person, setupE2ESession, uniqueRoom } from './browser.ts'

const session = setupE2ESession()
const join = session.join.bind(session)

/** The poll's options as a group, named by its question. */
const poll = (person: Person, question: string) =>
  person.log.getByRole('group', { name: `Poll: ${question}` })

/** An option's button, by its text (its name goes on with the count: "Pizza 2 votes · 67%"). */
const option = (person: Person, question: string, text: string) =>
  poll(person, question).getByRole('button', { name: new RegExp(`^${text} `) })

/** What an option says of its votes, as everyone reads it. */
const count = (person: Person, question: string, text: string) =>
  option(person, question, text).locator('.bc-poll-option-count').textContent()

function expectNoProblems() {
  for (const person of session.people) {
    expect(person.problems(), `${person.name}'s page`).toEqual([])
  }
}

it('three people: a poll from the composer, votes changing live, closed by its creator, shown late', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  const cy = await join('Cy', room)

  // Ana, by keyboard: Create poll, the question, two options and a third added, Enter starts it.
  await ana.page.getByRole('button', { name: 'Create poll' }).click()
  const form = ana.page.getByRole('dialog', { name: 'New poll' })
  await expectVisible(form)
  await expect.poll(() => ana.page.evaluate(() => document.activeElement?.id)).toMatch(/question/)
  await ana.page.keyboard.type('Lunch?')
  await form.getByRole('textbox', { name: 'Option 1' }).fill('Pizza')
  await form.getByRole('textbox', { name: 'Option 2' }).fill('Sushi')
  await form.getByRole('button', { name: 'Add option' }).click()
  await expect
    .poll(() => ana.page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
    .toBe('Option 3')
  await ana.page.keyboard.type('Tacos')
  await ana.page.keyboard.press('Enter')
  await expectHidden(form)
  await expect
    .poll(() => ana.page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
    .toBe('Create poll')

  // Everyone sees it live with its three options and no votes.
  for (const person of [ana, ben, cy]) {
    await expectVisible(poll(person, 'Lunch?'))
    for (const text of ['Pizza', 'Sushi', 'Tacos']) {
      await expect.poll(() => count(person, 'Lunch?', text)).toBe('0 votes')
    }
  }
  await ana.allSaved()

  // Ben votes Pizza, Cy votes Sushi: the counts move for all three.
  await option(ben, 'Lunch?', 'Pizza').click()
  await expect.poll(() => option(ben, 'Lunch?', 'Pizza').getAttribute('aria-pressed')).toBe('true')
  await option(cy, 'Lunch?', 'Sushi').click()
  for (const person of [ana, ben, cy]) {
    await expect.poll(() => count(person, 'Lunch?', 'Pizza')).toBe('1 vote · 50%')
    await expect.poll(() => count(person, 'Lunch?', 'Sushi')).toBe('1 vote · 50%')
  }
  // Only one's own vote is pressed.
  expect(await option(ana, 'Lunch?', 'Pizza').getAttribute('aria-pressed')).toBe('false')

  // Cy changes his mind: one vote each, never two.
  await option(cy, 'Lunch?', 'Pizza').click()
  for (const person of [ana, ben, cy]) {
    await expect.poll(() => count(person, 'Lunch?', 'Pizza')).toBe('2 votes · 100%')
    await expect.poll(() => count(person, 'Lunch?', 'Sushi')).toBe('0 votes · 0%')
  }
  expect(await option(cy, 'Lunch?', 'Sushi').getAttribute('aria-pressed')).toBe('false')

  // Only Ana (its creator) may close it; then nobody votes.
  await expectHidden(ben.log.getByRole('button', { name: 'Close poll' }))
  await ana.log.getByRole('button', { name: 'Close poll' }).click()
  for (const person of [ana, ben, cy]) {
    await expectVisible(person.log.getByText('Poll closed · 2 votes'))
    await expect.poll(() => option(person, 'Lunch?', 'Tacos').isDisabled()).toBe(true)
  }

  // Someone who joins later sees the result.
  const dee = await join('Dee', room)
  await expectVisible(poll(dee, 'Lunch?'))
  expect(await count(dee, 'Lunch?', 'Pizza')).toBe('2 votes · 100%')
  await expectVisible(dee.log.getByText('Poll closed · 2 votes'))
  expectNoProblems()
}, 90_000)

it('a poll of one option is refused in the form, saying why, and keeps what was typed', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  await ana.page.getByRole('button', { name: 'Create poll' }).click()
  const form = ana.page.getByRole('dialog', { name: 'New poll' })
  await form.getByRole('textbox', { name: 'Question' }).fill('Lunch?')
  await form.getByRole('textbox', { name: 'Option 1' }).fill('Pizza')
  await form.getByRole('button', { name: 'Start poll' }).click()
  await expectVisible(form.getByRole('alert').getByText('A poll has 2 to 10 options.'))
  expect(await form.getByRole('textbox', { name: 'Option 1' }).inputValue()).toBe('Pizza')
  // Escape leaves without a poll.
  await ana.page.keyboard.press('Escape')
  await expectHidden(form)
  expect(await ana.messages()).toEqual([])
  expectNoProblems()
})

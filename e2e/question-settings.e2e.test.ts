// The room's Q&A rules as a host sets them in the chat settings and a member lives them (issue 22):
// real Chromium, the whole local stack. The host limits questions to owners, then allows anonymous
// questions, then has them wait for approval; Ana's Questions view follows each change at once,
// and another owner who joins later finds the form as saved. Everything is found by role and name.
import { QUESTION_REFUSALS } from '@shared/protocol.ts'
import { expect, it } from 'vitest'
import { accessibilityViolations } from './axe.ts'
import { expectHidden, expectVisible, type Person, setupE2ESession, uniqueRoom } from './browser.ts'

const session = setupE2ESession()

/** The owners' settings form, opened. */
async function settingsForm(host: Person) {
  const form = host.page.getByRole('form', { name: 'Chat settings' })
  if (!(await form.isVisible())) await host.page.getByText('Chat settings', { exact: true }).click()
  await expectVisible(form)
  return form
}

/** Changes what `choose` changes in the host's settings form, saves, and waits for "Saved.". */
async function saveSettings(
  host: Person,
  choose: (form: ReturnType<Person['page']['getByRole']>) => Promise<void>,
) {
  const form = await settingsForm(host)
  await choose(form)
  await form.getByRole('button', { name: 'Save settings' }).click()
  await expectVisible(form.getByRole('status').filter({ hasText: 'Saved.' }))
}

/** "Who can ask questions" in a settings form. */
const whoCanAsk = (form: ReturnType<Person['page']['getByRole']>) =>
  form.getByRole('combobox', { name: 'Who can ask questions' })

it("the host sets who may ask, anonymous questions and approval: the member's Questions view follows each at once", async () => {
  const room = uniqueRoom('qa-rules')
  const host = await session.joinAsOwner('Host', room)
  const ana = await session.join('Ana', room)
  await ana.page.getByRole('tab', { name: /^Questions/ }).click()
  const askField = ana.page.getByRole('textbox', { name: 'Ask a question' })
  await expectVisible(askField)

  // The form starts from the room's rules: questions as for chat, nobody anonymous, no approval.
  const form = await settingsForm(host)
  expect(
    await whoCanAsk(form).evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.text),
  ).toBe('As for chat messages')
  expect(await form.getByRole('checkbox', { name: 'Allow anonymous questions' }).isChecked()).toBe(
    false,
  )
  expect(await form.getByRole('checkbox', { name: 'Questions need approval' }).isChecked()).toBe(
    false,
  )
  expect(await accessibilityViolations(host.page, '.bc-chat-settings')).toEqual([])

  // Only owners: Ana is told why she cannot ask, in place of the form.
  await saveSettings(host, async (form) => {
    await whoCanAsk(form).selectOption({ label: 'Only owners' })
  })
  await expectVisible(ana.page.getByText(QUESTION_REFUSALS.owners_only, { exact: true }))
  await expectHidden(askField)

  // Everyone, anonymously if they like: Ana's form is back with "Ask anonymously".
  await saveSettings(host, async (form) => {
    await whoCanAsk(form).selectOption({ label: 'Everyone' })
    await form.getByRole('checkbox', { name: 'Allow anonymous questions' }).check()
  })
  await expectVisible(ana.page.getByRole('checkbox', { name: 'Ask anonymously' }))
  await expectHidden(ana.page.getByText(QUESTION_REFUSALS.owners_only, { exact: true }))

  // Approval, ticked from the keyboard: Ana's new question waits for it.
  await saveSettings(host, (form) =>
    form.getByRole('checkbox', { name: 'Questions need approval' }).press('Space'),
  )
  await expectVisible(ana.page.getByText('A host approves questions before others see them.'))
  const question = 'Is the recording shared with everyone?'
  await askField.fill(question)
  await askField.press('Enter')
  const asked = ana.page
    .getByRole('listitem')
    .filter({ has: ana.page.getByText(question, { exact: true }) })
  await expectVisible(asked.getByText('Waiting for approval'))

  // Another owner who joins later finds the form as the host saved it.
  const cohost = await session.joinAsOwner('Cohost', room)
  const cohostForm = await settingsForm(cohost)
  await expect
    .poll(() =>
      whoCanAsk(cohostForm).evaluate(
        (select: HTMLSelectElement) => select.selectedOptions[0]?.text,
      ),
    )
    .toBe('Everyone')
  expect(
    await cohostForm.getByRole('checkbox', { name: 'Allow anonymous questions' }).isChecked(),
  ).toBe(true)
  expect(
    await cohostForm.getByRole('checkbox', { name: 'Questions need approval' }).isChecked(),
  ).toBe(true)

  for (const person of session.people) {
    expect(person.problems(), `${person.name}'s page`).toEqual([])
  }
}, 90_000)

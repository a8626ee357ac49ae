// Retention per room as a host and the people in the room see it: real Chromium, the whole local
// stack. Everyone reads the room's policy in the column; the host changes it from the keyboard in
// Chat settings, and every open column follows at once.
import { describe, it } from 'vitest'
import { expectVisible, STEP_MS, setupE2ESession, uniqueRoom } from './browser.ts'

const session = setupE2ESession()

describe('retention per room', () => {
  it('everyone sees how long the chat is kept; the host changes it and every column follows', async () => {
    const room = uniqueRoom('retention')
    const ana = await session.join('Ana', room)
    const host = await session.joinAsOwner('Host', room)
    const policy = (text: string) => ana.page.getByRole('complementary').getByText(text)
    await expectVisible(policy("Chat in this room is kept for the project's default of 30 days."))

    await host.page.getByText('Chat settings', { exact: true }).click()
    const form = host.page.getByRole('form', { name: 'Chat settings' })
    await form.getByRole('radio', { name: 'Until the call ends' }).check()
    const grace = form.getByRole('spinbutton', { name: 'Minutes to keep it after the call ends' })
    await grace.fill('45')
    // Enter in the field saves, as in any form.
    await grace.press('Enter')
    await expectVisible(form.getByRole('status').filter({ hasText: 'Saved.' }))

    await expectVisible(
      policy('Chat in this room is kept until 45 minutes after the call ends.'),
      STEP_MS,
    )
    const ben = await session.join('Ben', room)
    await expectVisible(
      ben.page.getByText('Chat in this room is kept until 45 minutes after the call ends.'),
    )
  })
})

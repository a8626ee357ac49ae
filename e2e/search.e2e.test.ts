// Search as people use it: real Chromium, the whole local stack. Ben searches a long conversation
// for something said long ago; the results show who said it and when, with the words marked, and
// choosing one takes him there, loading the older history on the way.
import { describe, expect, it } from 'vitest'
import { chatFunction, expectVisible, STEP_MS, setupE2ESession, uniqueRoom } from './browser.ts'

/** Loading history (older pages included). */
const HISTORY_MS = 15_000

const session = setupE2ESession()
const join = session.join.bind(session)

describe('search', () => {
  it('Ben finds an old message, sees the matched words, and goes to it in the conversation', async () => {
    const room = uniqueRoom('search')
    const api = chatFunction(session.app.url)
    const ana = await api.tokenFor(room, 'Ana')
    await api.post(room, ana, { body: 'The launch checklist is in the shared drive' })
    await api.post(room, ana, { body: 'Launching is postponed' })
    // Far more than one page of history after them: neither is loaded when Ben joins.
    for (let n = 1; n <= 120; n += 1) await api.post(room, ana, { body: `status update ${n}` })

    const ben = await join('Ben', room)
    await expectVisible(ben.message('status update 120'), HISTORY_MS)
    expect(await ben.messages()).not.toContain('The launch checklist is in the shared drive')

    const field = ben.page.getByRole('searchbox', { name: 'Search messages' })
    await field.fill('launch che')
    const results = ben.page.getByRole('list', { name: 'Search results' })
    await expectVisible(results)
    const result = results.getByRole('button', { name: /The launch checklist/ })
    expect(await results.getByRole('button').count()).toBe(1)
    expect(await result.textContent()).toContain('Ana')
    expect(await result.locator('mark').allTextContents()).toEqual(['launch', 'che'])
    expect(await ben.page.getByRole('status').filter({ hasText: 'found' }).textContent()).toBe(
      '1 message found.',
    )

    // By keyboard: Tab to the result, Enter goes to the message, which is highlighted and focused.
    await field.press('Tab')
    await result.press('Enter')
    const target = ben.message('The launch checklist is in the shared drive')
    await expectVisible(target, HISTORY_MS)
    await expectVisible(ben.log.locator('.bc-reply-target'))
    expect(
      await ben.log.locator('.bc-message-row:focus').getByTestId('message-body').textContent(),
    ).toBe('The launch checklist is in the shared drive')

    // The last word is matched as people type: "launch" finds both, newest first.
    await field.fill('LAUNCH')
    await expect
      .poll(() => results.getByRole('button').allTextContents(), { timeout: STEP_MS })
      .toEqual([
        expect.stringContaining('Launching is postponed'),
        expect.stringContaining('The launch checklist'),
      ])
    // Nothing found says so; Esc clears the search.
    await field.fill('zebra')
    await expectVisible(ben.page.getByRole('status').filter({ hasText: 'No messages found.' }))
    await field.press('Escape')
    expect(await field.inputValue()).toBe('')
    expect(await results.count()).toBe(0)
    expect(ben.problems()).toEqual([])
  }, 60_000)
})

// One emoji, one reaction, however it was picked (issue 19, item 9): Emojibase spells some emoji
// with a U+FE0F that Unicode does not (👍️), so the full picker's 👍 and the quick row's 👍 were two
// chips that looked the same. Real Chromium, the whole local stack.
import { expect, it } from 'vitest'
import { expectHidden, expectVisible, setupE2ESession, uniqueRoom } from './browser.ts'

const session = setupE2ESession()

it("the full picker's 👍 takes back the quick row's 👍 instead of adding a second chip", async () => {
  const ana = await session.join('Ana', uniqueRoom())
  await ana.send('Ship it')
  await ana.allSaved()
  const row = ana.log.locator('.bc-message', {
    has: ana.page.getByText('Ship it', { exact: true }),
  })
  const picker = ana.page.getByRole('dialog', { name: 'Add reaction' })
  const openPicker = async () => {
    await row.hover()
    await row.getByRole('button', { name: 'Add reaction' }).click()
    await expectVisible(picker)
  }

  await openPicker()
  await picker
    .getByRole('group', { name: 'Quick reactions' })
    .getByRole('button', { name: '👍', exact: true })
    .click()
  const thumbs = row.getByRole('button', { name: '👍 1', exact: true })
  await expectVisible(thumbs)
  await expect.poll(() => thumbs.getAttribute('aria-pressed')).toBe('true')

  await openPicker()
  await picker.getByRole('button', { name: 'More emoji' }).click()
  const search = picker.getByRole('searchbox', { name: 'Search emoji' })
  await expectVisible(search)
  await search.fill('thumbs up')
  const fromPicker = picker
    .getByRole('grid', { name: 'Emoji' })
    .getByRole('button', { name: '👍', exact: true })
  await expectVisible(fromPicker)
  await fromPicker.click()
  await expectHidden(picker)

  // Ana had reacted with 👍 already: picking it again takes it back, and no second 👍 appears.
  await expectHidden(thumbs)
  expect(await row.locator('.bc-reaction-chip').count()).toBe(0)
  expect(ana.problems()).toEqual([])
}, 30_000)

// The chat column's reading comfort: long histories, new messages while scrolled up, narrow screens.
import { expect, it } from 'vitest'
import { newMessageId } from '../functions/_shared/protocol.ts'
import { expectVisible, STEP_MS, setupE2ESession, uniqueRoom } from './browser.ts'

const session = setupE2ESession()

/** Writes `count` messages into `room` through the chat function, as "Seeder". */
async function seed(room: string, count: number) {
  const api = `${session.app.url}/functions/v1/chat/rooms/${room}`
  const joined = await fetch(`${api}/tokens`, {
    method: 'POST',
    body: JSON.stringify({ userName: 'Seeder' }),
  })
  const { token, user } = await joined.json()
  for (let i = 1; i <= count; i++) {
    const response = await fetch(`${api}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify({ id: newMessageId(user.id), body: `history ${i}` }),
    })
    expect(response.status).toBe(201)
  }
}

it('renders only what is in view, loads older pages upward, and offers "New messages"', async () => {
  const room = uniqueRoom()
  await seed(room, 130)
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)

  // The newest page, with the reader at the bottom, and far fewer rows rendered than loaded.
  await expectVisible(ana.message('history 130'))
  const rendered = await ana.log.getByTestId('message-body').count()
  expect(rendered).toBeGreaterThan(0)
  expect(rendered).toBeLessThan(50)

  // Scrolling to the top loads older pages until the first message.
  await expect
    .poll(
      async () => {
        await ana.log.evaluate((element) => {
          element.scrollTop = 0
        })
        return ana.log.getByText('history 1', { exact: true }).count()
      },
      { timeout: 15_000 },
    )
    .toBe(1)

  // Scrolled up, a new message does not move the view: a button says it is there.
  await ben.send('Are you still reading?')
  const button = ana.page.getByRole('button', { name: /New messages/ })
  await expectVisible(button)
  await expectVisible(ana.log.getByText('history 1', { exact: true }))
  await button.click()
  await expectVisible(ana.message('Are you still reading?'))
  expect(await button.count()).toBe(0)
}, 60_000)

it('a reader at the bottom keeps the newest message in view, whatever the messages’ heights', async () => {
  const room = uniqueRoom()
  await seed(room, 60)
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)
  await expectVisible(ben.message('history 60'))
  /** Whether the message's last line is inside the log's box (not merely rendered). */
  const inView = async (text: string) => {
    const [row, log] = await Promise.all([ben.message(text).boundingBox(), ben.log.boundingBox()])
    const bottom = row && row.y + row.height
    return !!bottom && !!log && bottom > log.y && bottom <= log.y + log.height + 1
  }
  // Short ones and ones that wrap over many lines, in turn: each is measured only once shown.
  const long = Array(8)
    .fill('a longer thought that wraps over several lines of the column')
    .join(' ')
  for (let i = 1; i <= 12; i++) {
    const text = i % 3 === 0 ? `${i}: ${long}` : `${i}: short`
    await ana.send(text)
    await expect.poll(() => inView(text), { timeout: STEP_MS }).toBe(true)
  }
  expect(await ben.page.getByRole('button', { name: /New messages/ }).count()).toBe(0)
}, 60_000)

it('on a narrow screen the chat is a panel with an unread count, and news is announced', async () => {
  const room = uniqueRoom()
  const context = await session.browser.newContext({ viewport: { width: 420, height: 800 } })
  const page = await context.newPage()
  await page.goto(`${session.app.url}/?room=${room}`)
  await page.getByLabel('Your name').fill('Ana')
  await page.getByRole('button', { name: 'Join' }).click()
  const chatButton = page.getByRole('button', { name: /^Chat/ })
  await chatButton.waitFor()
  expect(await page.getByRole('log', { name: 'Chat messages' }).count()).toBe(0)

  const ben = await session.join('Ben', room)
  await page.getByRole('button', { name: 'Leave' }).waitFor()
  await expectVisible(page.getByText('Ben', { exact: true }))
  await ben.send('One')
  await ben.send('Two')
  await expectVisible(page.getByRole('button', { name: 'Chat (2 unread)' }))

  await chatButton.click()
  const log = page.getByRole('log', { name: 'Chat messages' })
  await expectVisible(log.getByText('Two', { exact: true }))
  await expectVisible(page.getByRole('button', { name: 'Chat', exact: true }))

  // Screen readers hear news from others through a polite live region.
  await ben.send('Hello, screen reader')
  await expectVisible(log.getByText('Hello, screen reader', { exact: true }))
  const announced = page.locator('[aria-live="polite"]', { hasText: 'Ben: Hello, screen reader' })
  expect(await announced.count()).toBe(1)
  await context.close()
}, 30_000)

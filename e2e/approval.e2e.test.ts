// Messages that need a host's approval (issue 22, item 4), in real Chromium over the whole local
// stack: the host turns it on in the chat settings; a member's message is then only written, never
// sent live, and shows "Waiting for approval" to her alone; once the host approves it (through the
// HTTP API: the column's queue is not built yet),
// the function tells the room live and everyone's page shows it under her name, at its time.
import { expect, it } from 'vitest'
import {
  expectHidden,
  expectVisible,
  ownerToken,
  setupE2ESession,
  uniqueRoom,
  writeOf,
} from './browser.ts'

const session = setupE2ESession()

/** Calls the chat function as the host's token, from outside any page. */
async function asHost(room: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${session.app.url}/functions/v1/chat/rooms/${room}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  expect(response.status).toBe(200)
  return response.json()
}

it("a member's message waits for the host's approval, then reaches everyone live", async () => {
  const room = uniqueRoom()
  const host = await ownerToken(room, 'Host')
  const ben = await session.join('Ben', room)
  const hostPage = await session.join('Host', room, { token: host.token })
  // The host turns it on in the column's chat settings; pages open then follow at once, and Ana,
  // who joins after, reads it as she joins (so her page holds her message back for certain).
  await hostPage.page.getByText('Chat settings', { exact: true }).click()
  const form = hostPage.page.getByRole('form', { name: 'Chat settings' })
  await form.getByRole('checkbox', { name: /^Messages need approval/ }).check()
  await form.getByRole('button', { name: 'Save settings' }).click()
  await expectVisible(form.getByRole('status').filter({ hasText: 'Saved.' }))
  const settings = await asHost(room, host.token, 'GET', '/settings')
  expect(settings.messagesNeedApproval).toBe(true)
  const ana = await session.join('Ana', room)

  const question = 'Could the panel talk about pricing?'
  const written = writeOf(ana, question)
  await ana.send(question)
  const stored = (await (await written).response())?.status()
  expect(stored).toBe(201)
  await expectVisible(ana.message(question))
  await expectVisible(ana.log.getByText('Waiting for approval'))
  // The host's own message goes straight out; Ana's, sent before it, would have reached Ben
  // first had it gone out live.
  await hostPage.send('Welcome, everyone')
  await expectVisible(ben.message('Welcome, everyone'))
  await expectHidden(ben.message(question))
  await expectHidden(hostPage.message(question))

  const { messages } = await asHost(room, host.token, 'GET', '/messages/pending')
  expect(messages.map((message: { body: string }) => message.body)).toEqual([question])
  await asHost(room, host.token, 'POST', '/messages/review', {
    ids: [messages[0].id],
    approve: true,
  })
  // Live, not at the next periodic catch-up (a minute away): the function's notice brings it.
  for (const person of [ben, hostPage]) {
    await expectVisible(person.message(question))
  }
  await expectHidden(ana.log.getByText('Waiting for approval'))
  for (const person of [ana, ben, hostPage]) {
    expect(person.problems(), person.name).toEqual([])
  }
})

// Mentions name the person they mention (issue 19, item 5), in real Chromium on the whole local
// stack. Mallory, on a raw relay connection with a real member's token, labels Ben "@Ana": the
// function refuses the write, and Ben's page, which gets the live copy unchecked, shows the
// message without "Mentions you" and notifies nobody.
import { describe, expect, it } from 'vitest'
import { errorResponseSchema, newMessageId } from '../functions/_shared/protocol.ts'
import {
  chatFunction,
  expectHidden,
  expectVisible,
  type Person,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'
import { connectRaw } from './raw-relay.ts'

const session = setupE2ESession()

/** The user id this person joined with (what the join screen kept for the tab). */
const userIdOf = (person: Person) =>
  person.page.evaluate(
    () => JSON.parse(sessionStorage.getItem('backchannel.joined') ?? '{}').user?.id as string,
  )

/** The message (its row in the list) whose text is exactly `text`. */
const messageRow = (person: Person, text: string) =>
  person.log.locator('.bc-message').filter({ has: person.page.getByText(text, { exact: true }) })

describe('a mention that labels Ben with another name', () => {
  it('is refused by the function, and marks nothing for Ben when it arrives live', async () => {
    const room = uniqueRoom('mention-label')
    const ben = await session.join('Ben', room)
    const benId = await userIdOf(ben)
    const mallory = await connectRaw(
      session.app.url,
      await chatFunction(session.app.url).tokenFor(room, 'Mallory'),
    )
    const forged = {
      v: 1,
      type: 'chat',
      id: newMessageId(mallory.userId),
      body: '@Ana can you approve the refund?',
      mentions: [{ userId: benId, name: 'Ana' }],
      createdAt: new Date().toISOString(),
    }

    const write = await fetch(`${session.app.url}/functions/v1/chat/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${mallory.token}` },
      body: JSON.stringify({ id: forged.id, body: forged.body, mentions: forged.mentions }),
    })
    expect(write.status).toBe(400)
    const { error } = errorResponseSchema.parse(await write.json())
    expect(error).toMatchObject({
      code: 'invalid_mention',
      message: expect.stringMatching(/^@Ana does not name that person in this room\./),
    })

    mallory.send(forged)
    // Then a true mention of Ben: the relay keeps a connection's order, so once it shows, the
    // forged one has been seen.
    mallory.send({
      ...forged,
      id: newMessageId(mallory.userId),
      body: '@Ben this one is for you',
      mentions: [{ userId: benId, name: 'Ben' }],
    })
    const trueMention = messageRow(ben, '@Ben this one is for you')
    await expectVisible(trueMention)
    await expectVisible(trueMention.getByText('Mentions you', { exact: true }))
    const forgedRow = messageRow(ben, forged.body)
    await expectVisible(forgedRow)
    await expectHidden(forgedRow.getByText('Mentions you'))
    expect(await ben.page.getByText('Mallory mentioned you:').allTextContents()).toEqual([
      'Mallory mentioned you: @Ben this one is for you',
    ])
    mallory.close()
  })
})

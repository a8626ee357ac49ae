// Pinned messages over HTTP, as owners, members and ops see them: only owners pin and unpin
// (idempotently), everyone reads the pins newest first, a pin is caught up like an edit, leaves
// with a deleted message, and never concerns a private message.
import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom, userIdOf } from '../../../test/chat-harness.ts'
import {
  changesPageSchema,
  MAX_PINS,
  pinsPageSchema,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('pins', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  async function setup() {
    const room = uniqueRoom('pins')
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const ana = await chat.tokenFor(room, 'Ana')
    const send = async (token: string, body: string, extra: Record<string, unknown> = {}) => {
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), body, ...extra },
      })
      expect(response.status).toBe(201)
      return storedMessageSchema.parse(await response.json())
    }
    const pin = (token: string, id: string, on = true) =>
      chat.call(on ? 'PUT' : 'DELETE', `/rooms/${room}/messages/${id}/pin`, { token })
    const pins = async (token: string) => {
      const response = await chat.call('GET', `/rooms/${room}/pins`, { token })
      expect(response.status).toBe(200)
      return pinsPageSchema.parse(await response.json()).messages.map((m) => m.body)
    }
    return { room, host, ana, send, pin, pins }
  }

  it('lets owners pin and unpin, idempotently; everyone reads the pins, newest first', async () => {
    const { room, host, ana, send, pin, pins } = await setup()
    const agenda = await send(ana, 'Agenda: budget, hiring')
    const link = await send(host, 'Slides: https://example.com/deck')

    const pinned = await pin(host, agenda.id)
    expect(pinned.status).toBe(200)
    expect(storedMessageSchema.parse(await pinned.json()).pinnedAt).toBeDefined()
    expect((await pin(host, agenda.id)).status).toBe(200)
    await pin(host, link.id)
    expect(await pins(ana)).toEqual(['Slides: https://example.com/deck', 'Agenda: budget, hiring'])

    // A member may not; the pins stay.
    const refused = await expectError(await pin(ana, link.id, false), 403, 'owners_only')
    expect(refused.message).toMatch(/Only the room's owners/)
    expect(await pins(ana)).toHaveLength(2)

    // Caught up like an edit: the message with its pin, then without.
    const [before] =
      await chat.sql`select max(revision)::int as r from chat.messages where room = ${room}`
    expect((await pin(host, agenda.id, false)).status).toBe(200)
    expect((await pin(host, agenda.id, false)).status).toBe(200)
    const changes = changesPageSchema.parse(
      await (
        await chat.call('GET', `/rooms/${room}/changes?since=${before?.r}`, { token: ana })
      ).json(),
    )
    expect(changes.changes).toEqual([
      { type: 'message', message: expect.not.objectContaining({ pinnedAt: expect.anything() }) },
    ])
    expect(await pins(ana)).toEqual(['Slides: https://example.com/deck'])
    const [row] = await chat.sql`select pinned_by from chat.messages where id = ${link.id}::uuid`
    expect(row?.pinned_by).toBe(userIdOf(host))
  })

  it('drops the pin of a deleted message, refuses private and unknown ones', async () => {
    const { host, ana, send, pin, pins } = await setup()
    const doomed = await send(ana, 'pin me, then delete me')
    await pin(host, doomed.id)
    await chat.sql`update chat.messages set deleted_at = now() where id = ${doomed.id}::uuid`
    expect(await pins(ana)).toEqual([])
    const [row] = await chat.sql`select pinned_at from chat.messages where id = ${doomed.id}::uuid`
    expect(row?.pinned_at).toBeNull()
    await expectError(await pin(host, doomed.id), 404, 'message_not_found')

    // The host's own private message to Ana: not pinnable. Ana's to someone else: not found.
    const own = await send(host, 'just for Ana', { to: userIdOf(ana) })
    await expectError(await pin(host, own.id), 400, 'private_message')
    const ben = await chat.tokenFor(own.room, 'Ben')
    const hidden = await send(ana, 'just for Ben', { to: userIdOf(ben) })
    await expectError(await pin(host, hidden.id), 404, 'message_not_found')
    await expectError(await pin(host, chat.newIdFor(ana)), 404, 'message_not_found')
    await expectError(await pin(host, 'not-an-id'), 400, 'invalid_input')
  })

  it(`holds at most ${MAX_PINS} pins per room (409), and the database keeps pins off private messages`, async () => {
    const { room, host, send, pin } = await setup()
    const ids: string[] = []
    for (let n = 0; n <= MAX_PINS; n += 1) ids.push((await send(host, `note ${n}`)).id)
    await chat.sql`
      update chat.messages set pinned_at = now(), pinned_by = 'ops'
      where room = ${room} and id = any(${ids.slice(0, MAX_PINS)}::uuid[])`
    const error = await expectError(await pin(host, ids[MAX_PINS] as string), 409, 'too_many_pins')
    expect(error.message).toMatch(/Unpin one first/)

    const ana = await chat.tokenFor(room, 'Ana')
    const secret = await send(host, 'private', { to: userIdOf(ana) })
    await expect(
      chat.sql`update chat.messages set pinned_at = now() where id = ${secret.id}::uuid`,
    ).rejects.toMatchObject({ constraint_name: 'messages_pin_not_private' })
  })
})

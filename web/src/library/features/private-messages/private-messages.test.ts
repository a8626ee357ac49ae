// Private messages in the client core: sent live only to the recipient's sessions (never a
// broadcast) and written with `to`; a private message for someone else that reaches this client
// anyway is dropped; a reply to a private message stays private; news of one (an edit, a
// deletion) goes to the two people only.
import { DEFAULT_ROOM_SETTINGS, newMessageId } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import {
  ben,
  benUser,
  FakeRoom,
  me,
  setup,
  stored,
  until,
} from '../../../../test-support/fake-room.ts'
import { fakeParticipant } from '../../../../test-support/fake-transport.ts'

const toBen = { id: benUser.id, name: 'Ben' }

describe('ChatClient private messages', () => {
  it('sends a private message live to the recipient only, and writes it with to', async () => {
    const { room, transport, client, find } = setup()
    const cy = fakeParticipant('cy', 'Cy')
    transport.arrive(cy)
    await client.start()
    expect(client.send('just between us', [], [], [], toBen).ok).toBe(true)
    expect(transport.addressed).toEqual([
      {
        data: expect.objectContaining({ type: 'chat', to: benUser.id, toName: 'Ben' }),
        to: [ben.sessionId],
      },
    ])
    await until(client, () => find('just between us')?.status === 'saved')
    expect(room.writes).toEqual([expect.objectContaining({ to: benUser.id, toName: 'Ben' })])
    expect(find('just between us')).toMatchObject({ to: benUser.id, toName: 'Ben', own: true })
  })

  it('shows a private message for this user, and drops one for someone else', async () => {
    const { transport, client, find } = setup()
    await client.start()
    const privateTo = (to: string, body: string) =>
      transport.deliver(
        {
          v: 1,
          type: 'chat',
          id: newMessageId(benUser.id),
          body,
          to,
          createdAt: '2030-01-01T00:00:00.000Z',
        },
        ben.sessionId,
      )
    privateTo(me.id, 'for you')
    privateTo('user-cy', 'for Cy')
    expect(find('for you')).toMatchObject({ to: me.id, status: 'live' })
    expect(find('for Cy')).toBeUndefined()
  })

  it('replies privately to a private message, whatever the composer chose', async () => {
    const { room, transport, client, find } = setup()
    room.messages.push(stored('psst, are you free?', { to: me.id }))
    await client.start()
    client.replyDraft.start(find('psst, are you free?'))
    expect(client.replyDraft.getSnapshot().target?.privately).toEqual({
      id: benUser.id,
      name: 'Ben',
    })
    client.send('yes, call me')
    expect(transport.addressed.at(-1)).toMatchObject({
      data: { to: benUser.id, replyTo: expect.any(String) },
      to: [ben.sessionId],
    })
  })

  it('tells only the two people when a private message changes', async () => {
    const { transport, client, find } = setup()
    transport.arrive(fakeParticipant('cy', 'Cy'))
    await client.start()
    client.send('private note', [], [], [], toBen)
    await until(client, () => find('private note')?.status === 'saved')
    const { id } = find('private note')
    expect((await client.edit(id, 'private note, edited')).ok).toBe(true)
    expect(transport.addressed.at(-1)).toEqual({
      data: { v: 1, type: 'changed', id },
      to: [ben.sessionId],
    })
  })

  it('tells only the recipient that a private message is being typed', async () => {
    const { transport, client } = setup()
    transport.arrive(fakeParticipant('cy', 'Cy'))
    await client.start()
    client.inputChanged('psst', benUser.id)
    expect(transport.addressed.at(-1)).toEqual({
      data: { v: 1, type: 'typing', typing: true },
      to: [ben.sessionId],
    })
    // Back to everyone: Ben hears that it stopped, then everyone hears the new typing.
    client.inputChanged('hello all')
    expect(transport.addressed.slice(-2)).toEqual([
      { data: { v: 1, type: 'typing', typing: false }, to: [ben.sessionId] },
      { data: { v: 1, type: 'typing', typing: true }, to: undefined },
    ])
  })

  it('refuses a private message when the room turned them off', async () => {
    const room = new FakeRoom()
    room.settings = { ...DEFAULT_ROOM_SETTINGS, privateMessages: false }
    const { client, transport } = setup(room)
    await client.start()
    expect(client.send('psst', [], [], [], toBen)).toEqual({
      ok: false,
      error: 'Private messages are turned off in this room.',
    })
    expect(client.send('hello all').ok).toBe(true)
    expect(transport.addressed.map((sent) => sent.to)).toEqual([undefined])
  })
})

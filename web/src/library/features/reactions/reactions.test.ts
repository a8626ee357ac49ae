import { newMessageId, type StoredMessage } from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import { fakeRoute } from '../../../../test-support/fake-routes.ts'
import { ChatApiError } from '../../engine/chat-api.ts'
import { Timeline } from '../../engine/timeline.ts'
import { MessageReactions, reactedWith, YOU } from './reactions.ts'

const me = { id: 'user-me', name: 'Me' }
const ana = { id: 'user-ana', name: 'Ana' }

let seq = 0
const stored = (fields: Partial<StoredMessage> = {}): StoredMessage => ({
  id: newMessageId(ana.id),
  room: 'standup',
  sender: ana,
  body: 'hello',
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  seq: ++seq,
  reactions: [],
  ...fields,
})

/** The function's answer to a reaction of mine: the message with it. */
const withMine = (message: StoredMessage, emoji: string): StoredMessage => ({
  ...message,
  reactions: [{ emoji, count: 1, userIds: [me.id] }],
})

function setup(message: StoredMessage) {
  const timeline = new Timeline({ ownUserId: me.id })
  timeline.addStored([message])
  // The function's two reaction routes, seen as the calls they stand for.
  const api = {
    addReaction: vi.fn(async (_id: string, emoji: string) => withMine(message, emoji)),
    removeReaction: vi.fn(async (_id: string, _emoji: string) => {}),
  }
  const route = fakeRoute({
    'PUT /messages/:id/reactions/:emoji': ({ param }) =>
      api.addReaction(param('id'), param('emoji')),
    'DELETE /messages/:id/reactions/:emoji': ({ param }) =>
      api.removeReaction(param('id'), param('emoji')),
  })
  const sendLive = vi.fn()
  const sync = vi.fn(async () => {})
  const reactions = new MessageReactions({
    api: { route },
    timeline,
    sendLive,
    stored: (messages) => timeline.addStored(messages),
    sync,
  })
  return { timeline, api, sendLive, sync, reactions }
}

describe('MessageReactions', () => {
  it("shows the function's answer, announces a change (not the reaction) and reads the room", async () => {
    const message = stored()
    const { timeline, api, sendLive, sync, reactions } = setup(message)
    expect(await reactions.react(message.id, '👍', true)).toEqual({ ok: true })
    expect(api.addReaction).toHaveBeenCalledWith(message.id, '👍')
    expect(timeline.get(message.id)?.reactions).toEqual([
      { emoji: '👍', count: 1, userIds: [me.id] },
    ])
    // Receivers learn only that the message changed; they read it from the function.
    expect(sendLive).toHaveBeenCalledWith({ v: 1, type: 'changed', id: message.id })
    expect(sync).toHaveBeenCalledTimes(1)

    expect(await reactions.react(message.id, '👍', false)).toEqual({ ok: true })
    expect(api.removeReaction).toHaveBeenCalledWith(message.id, '👍')
    expect(sync).toHaveBeenCalledTimes(2)
  })

  it('sends ❤ as ❤️, and refuses what is not one emoji without calling the function', async () => {
    const message = stored()
    const { api, sendLive, reactions } = setup(message)
    await reactions.react(message.id, '❤', true)
    expect(api.addReaction).toHaveBeenCalledWith(message.id, '❤️')
    for (const text of ['ok', '👍👍', '']) {
      expect(await reactions.react(message.id, text, true)).toMatchObject({ ok: false })
    }
    expect(api.addReaction).toHaveBeenCalledTimes(1)
    expect(sendLive).toHaveBeenCalledTimes(1)
  })

  it('refuses deleted, unknown and never-stored messages, and a 21st emoji', async () => {
    const crowded = stored({
      reactions: [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'].map((emoji) => ({
        emoji,
        count: 1,
        userIds: [ana.id],
      })),
    })
    const { timeline, api, reactions } = setup(crowded)
    const refusal = await reactions.react(crowded.id, '🤩', true)
    expect(refusal).toEqual({ ok: false, error: expect.stringContaining('20 different') })
    // One of those twenty is fine.
    expect(await reactions.react(crowded.id, '😀', true)).toEqual({ ok: true })

    timeline.addUnsaved({
      id: 'prebuilt',
      sender: ana,
      body: 'from Prebuilt',
      attachments: [],
      createdAt: '2030-01-01T00:00:00.000Z',
      status: 'not-saved',
      own: false,
    })
    expect(await reactions.react('prebuilt', '👍', true)).toMatchObject({ ok: false })
    expect(await reactions.react('unknown', '👍', true)).toMatchObject({ ok: false })
    timeline.markDeleted(crowded.id)
    expect(timeline.get(crowded.id)?.reactions).toBeUndefined()
    expect(await reactions.react(crowded.id, '😀', true)).toMatchObject({ ok: false })
    expect(api.addReaction).toHaveBeenCalledTimes(1)
  })

  it('reads the room and tries once more when a live message was not stored yet', async () => {
    const message = stored()
    const { timeline, api, sync, reactions } = setup(stored())
    timeline.addUnsaved({
      id: message.id,
      sender: ana,
      body: message.body,
      attachments: [],
      createdAt: message.createdAt,
      status: 'live',
      own: false,
    })
    api.addReaction.mockImplementation(async (_id, emoji) => withMine(message, emoji))
    api.addReaction.mockRejectedValueOnce(
      new ChatApiError(404, 'message_not_found', 'There is no such message in this room.'),
    )
    sync.mockImplementationOnce(async () => timeline.addStored([message]))
    expect(await reactions.react(message.id, '🎉', true)).toEqual({ ok: true })
    expect(api.addReaction).toHaveBeenCalledTimes(2)
    expect(timeline.get(message.id)?.reactions).toEqual([
      { emoji: '🎉', count: 1, userIds: [me.id] },
    ])
  })

  it('says why when the function refuses, and announces nothing', async () => {
    const message = stored()
    const { api, sendLive, reactions } = setup(message)
    api.addReaction.mockRejectedValueOnce(
      new ChatApiError(429, 'rate_limited', 'You are reacting too quickly. Try again in 9 s.'),
    )
    expect(await reactions.react(message.id, '👍', true)).toEqual({
      ok: false,
      error: 'You are reacting too quickly. Try again in 9 s.',
    })
    expect(sendLive).not.toHaveBeenCalled()
  })
})

describe('reactedWith', () => {
  it('says who reacted, you first, and counts the rest', () => {
    const reaction = { emoji: '👍', count: 1, userIds: ['a'] }
    expect(reactedWith({ ...reaction, names: ['Ana'] })).toBe('Ana reacted with 👍')
    expect(reactedWith({ ...reaction, count: 3, names: ['Ana', 'Ben', YOU] })).toBe(
      'You, Ana and Ben reacted with 👍',
    )
    expect(reactedWith({ ...reaction, count: 4, names: ['A', 'B', 'C', 'D'] }, 2)).toBe(
      'A, B and 2 others reacted with 👍',
    )
    expect(reactedWith({ ...reaction, count: 2 })).toBe('2 others reacted with 👍')
  })
})

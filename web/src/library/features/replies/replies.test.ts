// Quoted replies in the client core: the reply draft, replyTo through every path a message takes
// (sent, live, stored, caught up, reloaded), the quotes, and reveal() paging back to a parent.
import { type Attachment, newMessageId } from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import {
  ben,
  FakeRoom,
  ROOM,
  settle,
  setup,
  stored,
  until,
} from '../../../../test-support/fake-room.ts'
import { ChatApiError } from '../../engine/chat-api.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { canReply, ReplyDraft } from './reply-draft.ts'

describe('ReplyDraft', () => {
  const message = (fields: Partial<TimelineMessage>): TimelineMessage => ({
    id: 'm1',
    sender: { id: 'u1', name: 'Ana' },
    body: 'Shall we start?\nAt ten, say.',
    attachments: [],
    createdAt: '2030-01-01T00:00:00.000Z',
    status: 'saved',
    own: false,
    ...fields,
  })

  it('names the message replied to by its sender and first line, until cancelled', () => {
    const draft = new ReplyDraft()
    const changes = vi.fn()
    draft.subscribe(changes)
    expect(draft.start(message({}))).toBe(true)
    expect(draft.getSnapshot()).toEqual({
      target: { id: 'm1', senderName: 'Ana', text: 'Shall we start?' },
      started: 1,
    })
    expect(draft.replyTo).toBe('m1')
    // Replying to another message instead counts as a new start (the composer takes focus again).
    draft.start(message({ id: 'm2', body: '', attachments: [fileNamed('plan.pdf')] }))
    expect(draft.getSnapshot().target).toEqual({ id: 'm2', senderName: 'Ana', text: 'plan.pdf' })
    expect(draft.getSnapshot().started).toBe(2)
    draft.cancel()
    expect(draft.getSnapshot()).toEqual({ started: 2 })
    expect(draft.replyTo).toBeUndefined()
    draft.cancel()
    expect(changes).toHaveBeenCalledTimes(3)
  })

  it('quotes the first line as the reader saw it: without formatting markers', () => {
    const draft = new ReplyDraft()
    draft.start(message({ body: '> *ship* it on `Friday`\nsecond line' }))
    expect(draft.getSnapshot().target?.text).toBe('ship it on Friday')
    draft.start(message({ body: '```\nconst x = 1\n```' }))
    expect(draft.getSnapshot().target?.text).toBe('const x = 1')
  })

  it('offers Reply only on messages that are or will be stored', () => {
    expect(canReply(message({}))).toBe(true)
    expect(canReply(message({ status: 'live' }))).toBe(true)
    expect(canReply(message({ status: 'sending', own: true }))).toBe(true)
    expect(canReply(message({ deleted: true }))).toBe(false)
    expect(canReply(message({ status: 'not-saved' }))).toBe(false)
    expect(canReply(message({ status: 'failed', own: true }))).toBe(false)
    const draft = new ReplyDraft()
    expect(draft.start(message({ deleted: true }))).toBe(false)
    expect(draft.getSnapshot()).toEqual({ started: 0 })
  })
})

const fileNamed = (name: string): Attachment => ({
  path: `${ROOM}/${crypto.randomUUID()}.pdf`,
  name,
  type: 'application/pdf',
  size: 10,
})

describe('ChatClient replies', () => {
  it('sends the reply with replyTo, live and written, keeps it once stored, ends the draft', async () => {
    const { room, transport, client, find } = setup()
    const parent = stored('Shall we start?')
    room.messages.push(parent)
    await client.start()
    client.replyDraft.start(find('Shall we start?'))

    expect(client.send('Yes, now').ok).toBe(true)
    expect(client.replyDraft.replyTo).toBeUndefined()
    expect(transport.sent).toEqual([
      expect.objectContaining({ type: 'chat', body: 'Yes, now', replyTo: parent.id }),
    ])
    await until(client, () => find('Yes, now')?.status === 'saved')
    expect(room.writes).toEqual([expect.objectContaining({ body: 'Yes, now', replyTo: parent.id })])
    expect(find('Yes, now').replyTo).toBe(parent.id)
    expect(client.getSnapshot().quotes.get(parent.id)).toEqual({
      state: 'shown',
      id: parent.id,
      senderName: 'Ben',
      text: 'Shall we start?',
    })

    // The next message answers nothing.
    client.send('And another thing')
    expect(transport.sent.at(-1)).not.toHaveProperty('replyTo')
  })

  it('keeps replyTo from the live envelope through the stored copy caught up later', async () => {
    const { room, transport, client, find } = setup()
    const parent = stored('first')
    room.messages.push(parent)
    await client.start()
    const id = newMessageId(ben.userId)
    transport.deliver(
      {
        v: 1,
        type: 'chat',
        id,
        body: 'answering',
        replyTo: parent.id,
        createdAt: '2030-01-01T00:00:00.000Z',
      },
      ben.sessionId,
    )
    expect(find('answering')).toMatchObject({ status: 'live', replyTo: parent.id })
    expect(client.getSnapshot().quotes.get(parent.id)).toMatchObject({ state: 'shown' })

    room.messages.push(stored('answering', { id, replyTo: parent.id }))
    await client.sync()
    expect(find('answering')).toMatchObject({ status: 'saved', replyTo: parent.id })
    // The quote came from the timeline: nothing was fetched.
    expect(room.loadMessageCalls).toEqual([])
  })

  it('fetches a parent that is not shown once, however often the snapshot is built', async () => {
    const { room, transport, client } = setup()
    const old = stored('from long ago')
    const gone = newMessageId(ben.userId)
    room.messages.push(old)
    for (let i = 0; i < 60; i++) room.messages.push(stored(`filler ${i}`))
    room.messages.push(stored('reply to the old one', { replyTo: old.id }))
    room.messages.push(stored('reply to a purged one', { replyTo: gone }))
    await client.start()
    expect(client.getSnapshot().quotes.get(old.id)).toEqual({ state: 'loading', id: old.id })

    await until(client, (snapshot) => snapshot.quotes.get(gone)?.state === 'unavailable')
    await until(client, (snapshot) => snapshot.quotes.get(old.id)?.state === 'shown')
    expect(client.getSnapshot().quotes.get(old.id)).toMatchObject({ text: 'from long ago' })
    const quote = client.getSnapshot().quotes.get(old.id)
    for (let i = 0; i < 5; i++) {
      transport.deliver({ v: 1, type: 'typing', typing: i % 2 === 0 }, ben.sessionId)
    }
    await client.sync()
    await settle()
    expect(room.loadMessageCalls.sort()).toEqual([old.id, gone].sort())
    // Same parent, same quote object: a memoized message does not render again.
    expect(client.getSnapshot().quotes.get(old.id)).toBe(quote)
  })

  it('quotes a deleted parent as deleted', async () => {
    const { room, client, find } = setup()
    const parent = stored('regrettable')
    room.messages.push(parent, stored('a reply', { replyTo: parent.id }))
    await client.start()
    expect(client.getSnapshot().quotes.get(parent.id)).toMatchObject({ state: 'shown' })
    room.deleteBehindTheScenes(parent.id)
    await client.sync()
    expect(find('a reply').replyTo).toBe(parent.id)
    expect(client.getSnapshot().quotes.get(parent.id)).toEqual({ state: 'deleted', id: parent.id })
  })

  it('reveal() loads older pages until the parent is there, and no further', async () => {
    const { room, client } = setup()
    for (let i = 0; i < 30; i++) room.messages.push(stored(`ancient ${i}`))
    const parent = stored('the question')
    room.messages.push(parent)
    for (let i = 0; i < 120; i++) room.messages.push(stored(`later ${i}`))
    room.messages.push(stored('the answer', { replyTo: parent.id }))
    await client.start()
    expect(room.historyQueries).toHaveLength(1)

    expect(await client.reveal(parent.id)).toBe(true)
    const shown = client.getSnapshot().messages
    expect(shown.some((m) => m.id === parent.id)).toBe(true)
    // Newest page (50), then 50 and 50 more: the parent is in the third page; the ancient stay.
    expect(room.historyQueries).toHaveLength(3)
    expect(shown.some((m) => m.body === 'ancient 0')).toBe(false)
    expect(client.getSnapshot().history.hasOlder).toBe(true)

    // Already shown: nothing more is loaded.
    expect(await client.reveal(parent.id)).toBe(true)
    expect(room.historyQueries).toHaveLength(3)
  })

  it('reveal() of a message that is not to be had loads no history at all', async () => {
    const { room, client } = setup()
    for (let i = 0; i < 80; i++) room.messages.push(stored(`m ${i}`))
    await client.start()
    expect(await client.reveal(newMessageId(ben.userId))).toBe(false)
    expect(room.historyQueries).toHaveLength(1)
  })

  it('retries a reply refused while its parent is still on its way, fails it once stored', async () => {
    const { room, transport, clock, client, find } = setup()
    await client.start()
    const parentId = newMessageId(ben.userId)
    transport.deliver(
      {
        v: 1,
        type: 'chat',
        id: parentId,
        body: 'live only',
        createdAt: '2030-01-01T00:00:00.000Z',
      },
      ben.sessionId,
    )
    const unknownParent = new ChatApiError(
      400,
      'invalid_reply',
      'There is no message with this id.',
    )
    room.refuse = (write) =>
      room.messages.some((m) => m.id === write.replyTo) ? undefined : unknownParent
    client.replyDraft.start(find('live only'))
    client.send('quick answer')
    await until(client, () => find('quick answer')?.status === 'retrying')

    // Ben's write lands; Ana's next attempt goes through.
    room.messages.push(stored('live only', { id: parentId }))
    await client.sync()
    clock.advance(1000)
    await until(client, () => find('quick answer')?.status === 'saved')
    expect(room.writes.filter((w) => w.body === 'quick answer')).toHaveLength(2)

    // A parent this page knows as stored, refused anyway (another room's, say): that is final.
    room.refuse = () => unknownParent
    client.replyDraft.start(find('live only'))
    client.send('second answer')
    await until(client, () => find('second answer')?.status === 'failed')
    expect(find('second answer').error).toMatch(/no message with this id/)
  })

  it('keeps replyTo of an unsent reply across a reload', async () => {
    const storage = new Map<string, string>()
    const room = new FakeRoom()
    const parent = stored('before the reload')
    room.messages.push(parent)
    const first = setup(room, storage)
    await first.client.start()
    room.refuse = () => new ChatApiError(503, 'database_unavailable', 'Not now.')
    first.client.replyDraft.start(first.find('before the reload'))
    first.client.send('unsent reply')
    await settle()
    await first.client.dispose()

    room.refuse = undefined
    const second = setup(room, storage)
    await second.client.start()
    await until(second.client, () => second.find('unsent reply')?.status === 'saved')
    expect(room.writes.at(-1)).toMatchObject({ body: 'unsent reply', replyTo: parent.id })
    expect(second.find('unsent reply').replyTo).toBe(parent.id)
  })
})

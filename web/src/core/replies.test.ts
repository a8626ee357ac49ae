// Quoted replies in the client core: the reply draft, replyTo through every path a message takes
// (sent, live, stored, caught up, reloaded), the quotes, and reveal() paging back to a parent.
import {
  type Attachment,
  type HistoryPage,
  newMessageId,
  type StoredMessage,
  storedMessageSchema,
} from '@shared/protocol.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeTransport, fakeParticipant } from '../transport/fake-transport.ts'
import { ChatApiError, type RoomApi } from './chat-api.ts'
import { ChatClient, type ChatSnapshot } from './chat-client.ts'
import { FakeClock } from './fake-clock.ts'
import { canReply, ReplyDraft } from './reply-draft.ts'
import type { TimelineMessage } from './timeline.ts'

const ROOM = 'standup'
const me = { id: 'user-me', name: 'Me' }
const ben = fakeParticipant('ben', 'Ben')
const benUser = { id: ben.userId, name: 'Ben' }

let seq = 0
const stored = (body: string, fields: Partial<StoredMessage> = {}): StoredMessage =>
  storedMessageSchema.parse({
    id: newMessageId(benUser.id),
    room: ROOM,
    sender: benUser,
    body,
    attachments: [],
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, ++seq)).toISOString(),
    seq,
    ...fields,
  })

/** An in-memory room: history pages, changes since a seq, single messages, writes. */
class FakeRoom implements Partial<RoomApi> {
  messages: StoredMessage[] = []
  writes: { id: string; body: string; replyTo?: string }[] = []
  historyQueries: { before?: number }[] = []
  loadMessageCalls: string[] = []
  /** When set, writes fail with what this returns (undefined: the write goes through). */
  refuse: ((write: { replyTo?: string }) => ChatApiError | undefined) | undefined

  persistMessage = async (message: {
    id: string
    body: string
    attachments: readonly Attachment[]
    replyTo?: string
  }) => {
    this.writes.push(message)
    const refusal = this.refuse?.(message)
    if (refusal) throw refusal
    const existing = this.messages.find((m) => m.id === message.id)
    if (existing) return existing
    const saved = stored(message.body, {
      id: message.id,
      sender: me,
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    })
    this.messages.push(saved)
    return saved
  }

  loadHistoryPage = async (query: { limit?: number; before?: number }): Promise<HistoryPage> => {
    this.historyQueries.push({ before: query.before })
    const limit = query.limit ?? 50
    const older = this.messages.filter((m) => query.before === undefined || m.seq < query.before)
    return { messages: older.slice(-limit), hasMore: older.length > limit, revision: seq }
  }

  /** Deleted messages, with the revision of their deletion. */
  deletions: { id: string; revision: number }[] = []

  /** As a room owner (or Studio) would: the message leaves, and the changes feed says so. */
  deleteBehindTheScenes(id: string) {
    this.messages = this.messages.filter((m) => m.id !== id)
    this.deletions.push({ id, revision: ++seq })
  }

  loadChanges = async (query: { since: number }) => ({
    changes: [
      ...this.messages
        .filter((m) => m.seq > query.since)
        .map((message) => ({ type: 'message' as const, message })),
      ...this.deletions
        .filter((deletion) => deletion.revision > query.since)
        .map((deletion) => ({ type: 'deleted' as const, id: deletion.id })),
    ],
    revision: seq,
    hasMore: false,
    firstSeq: this.messages[0]?.seq ?? null,
  })

  loadMessage = async (id: string) => {
    this.loadMessageCalls.push(id)
    const message = this.messages.find((m) => m.id === id)
    if (!message) throw new ChatApiError(404, 'message_not_found', 'There is no such message.')
    return message
  }
}

const clients: ChatClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose()
})

function setup(room = new FakeRoom(), storage = new Map<string, string>()) {
  const transport = new FakeTransport(fakeParticipant('me', 'Me', true))
  transport.arrive(ben)
  const clock = new FakeClock()
  const client = new ChatClient({
    room: ROOM,
    user: me,
    api: room as unknown as RoomApi,
    transport,
    clock,
    log: vi.fn(),
    storage: {
      getItem: (key) => storage.get(key) ?? null,
      setItem: (key, value) => void storage.set(key, value),
    },
  })
  clients.push(client)
  const find = (body: string) =>
    client.getSnapshot().messages.find((m) => m.body === body) as TimelineMessage
  return { room, transport, clock, client, storage, find }
}

/** Resolves once the client's snapshot satisfies `predicate`. */
function until(client: ChatClient, predicate: (snapshot: ChatSnapshot) => boolean) {
  return new Promise<void>((resolve) => {
    if (predicate(client.getSnapshot())) return resolve()
    const unsubscribe = client.subscribe(() => {
      if (!predicate(client.getSnapshot())) return
      unsubscribe()
      resolve()
    })
  })
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

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

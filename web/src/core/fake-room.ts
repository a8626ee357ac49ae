import {
  type Attachment,
  DEFAULT_ROOM_SETTINGS,
  type HistoryPage,
  type Mention,
  newMessageId,
  type RoomSettings,
  type StoredMessage,
  storedMessageSchema,
} from '@shared/protocol.ts'
import { afterEach, vi } from 'vitest'
import { FakeTransport, fakeParticipant } from '../transport/fake-transport.ts'
import { ChatApiError, type RoomApi } from './chat-api.ts'
import { ChatClient, type ChatSnapshot } from './chat-client.ts'
import { FakeClock } from './fake-clock.ts'
import type { TimelineMessage } from './timeline.ts'

// Tests of the client core against one room: a fake of the chat function that keeps messages in
// memory, and a ChatClient for "Me" with Ben in the call.

export const ROOM = 'standup'
export const me = { id: 'user-me', name: 'Me' }
export const ben = fakeParticipant('ben', 'Ben')
export const benUser = { id: ben.userId, name: 'Ben' }

let seq = 0
export const stored = (body: string, fields: Partial<StoredMessage> = {}): StoredMessage =>
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
export class FakeRoom implements Partial<RoomApi> {
  messages: StoredMessage[] = []
  writes: { id: string; body: string; replyTo?: string; mentions?: readonly Mention[] }[] = []
  historyQueries: { before?: number }[] = []
  loadMessageCalls: string[] = []
  /** When set, writes fail with what this returns (undefined: the write goes through). */
  refuse: ((write: { replyTo?: string }) => ChatApiError | undefined) | undefined

  persistMessage = async (message: {
    id: string
    body: string
    attachments: readonly Attachment[]
    replyTo?: string
    mentions?: readonly Mention[]
    to?: string
    toName?: string
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
      ...(message.mentions?.length ? { mentions: [...message.mentions] } : {}),
      ...(message.to ? { to: message.to, toName: message.toName } : {}),
    })
    this.messages.push(saved)
    return saved
  }

  editMessage = async (id: string, body: string) => {
    const index = this.messages.findIndex((m) => m.id === id)
    const message = this.messages[index]
    if (!message) throw new ChatApiError(404, 'message_not_found', 'There is no such message.')
    const edited = { ...message, body, editedAt: '2030-01-02T00:00:00.000Z', seq: ++seq }
    this.messages[index] = edited
    return edited
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

  loadPins = async () => ({ messages: this.messages.filter((m) => m.pinnedAt) })
  settings: RoomSettings = DEFAULT_ROOM_SETTINGS
  loadSettings = async () => this.settings

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

export function setup(room = new FakeRoom(), storage = new Map<string, string>()) {
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
export function until(client: ChatClient, predicate: (snapshot: ChatSnapshot) => boolean) {
  return new Promise<void>((resolve) => {
    if (predicate(client.getSnapshot())) return resolve()
    const unsubscribe = client.subscribe(() => {
      if (!predicate(client.getSnapshot())) return
      unsubscribe()
      resolve()
    })
  })
}

export const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

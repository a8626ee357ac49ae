import {
  type ChangesPage,
  DEFAULT_PAGE_SIZE,
  DEFAULT_ROOM_SETTINGS,
  type HistoryPage,
  MAX_PAGE_SIZE,
  type Mention,
  mentionsNamedIn,
  newMessageId,
  type RoomSettings,
  type StoredMessage,
  storedMessageSchema,
} from '@shared/protocol.ts'
import { afterEach, vi } from 'vitest'
import { ChatApiError, type RoomApi } from '../src/library/engine/chat-api.ts'
import { ChatClient, type ChatSnapshot } from '../src/library/engine/chat-client.ts'
import type { TimelineMessage } from '../src/library/engine/timeline.ts'
import { FakeClock } from './fake-clock.ts'
import { fakeRoute, roomRoutes } from './fake-routes.ts'
import { FakeTransport, fakeParticipant } from './fake-transport.ts'

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

/**
 * The first revision a fake room gives. The database counts revisions and seqs with two sequences
 * of their own (every room's writes move both, and every edit, deletion, reaction or pin moves
 * revisions again), so the two never line up; starting far apart here keeps them apart, and a
 * client that takes one for the other asks for the wrong messages in these tests.
 */
export const FIRST_REVISION = 100_001

/**
 * An in-memory room that keeps the database's rules (fake-room-contract.test.ts checks them
 * against the real function): a message keeps its seq for good, and every change to it (the write,
 * an edit, a deletion, a reaction, a pin) takes the room's next revision; a change that changes
 * nothing takes none. Messages a test pushes into `messages` count as written when the room is
 * next used, in their order there. The engine's calls are methods of RoomApi; the features' calls
 * reach `route`, which answers them by method and path from the methods named after them.
 */
export class FakeRoom implements Partial<RoomApi> {
  messages: StoredMessage[] = []
  writes: { id: string; body: string; replyTo?: string; mentions?: readonly Mention[] }[] = []
  historyQueries: { before?: number; after?: number }[] = []
  changesQueries: { since: number; limit?: number }[] = []
  loadMessageCalls: string[] = []
  /** When set, writes fail with what this returns (undefined: the write goes through). */
  refuse: ((write: { replyTo?: string }) => ChatApiError | undefined) | undefined
  settings: RoomSettings = DEFAULT_ROOM_SETTINGS

  #nextRevision = FIRST_REVISION
  /** The revision of every message written, deleted ones included (as their rows stay). */
  readonly #revisions = new Map<string, number>()
  /** Deleted messages: gone from every read but the changes, which announce their deletion. */
  readonly #deleted = new Set<string>()

  /** Gives the messages a test pushed since the room was last used their revisions. */
  #noticeWrites() {
    for (const message of this.messages) {
      if (!this.#revisions.has(message.id)) this.#revisions.set(message.id, this.#nextRevision++)
    }
  }

  /** The room's latest revision, as a page reports it (0 for a room never written to). */
  get revision(): number {
    this.#noticeWrites()
    return Math.max(0, ...this.#revisions.values())
  }

  /** The revision `id` has now (undefined for a message never written). */
  revisionOf(id: string): number | undefined {
    this.#noticeWrites()
    return this.#revisions.get(id)
  }

  #find(id: string): StoredMessage {
    this.#noticeWrites()
    const message = this.messages.find((m) => m.id === id)
    if (!message) throw new ChatApiError(404, 'message_not_found', 'There is no such message.')
    return message
  }

  /** Applies `change` to message `id`, whose seq stays: the change takes the next revision. */
  #change(id: string, change: (message: StoredMessage) => StoredMessage): StoredMessage {
    const changed = change(this.#find(id))
    this.messages = this.messages.map((m) => (m.id === id ? changed : m))
    this.#revisions.set(id, this.#nextRevision++)
    return changed
  }

  persistMessage = async (message: Parameters<RoomApi['persistMessage']>[0]) => {
    this.writes.push(message)
    const refusal = this.refuse?.(message)
    if (refusal) throw refusal
    this.#noticeWrites()
    const existing = this.messages.find((m) => m.id === message.id)
    if (existing) return existing
    const saved = stored(message.body, {
      id: message.id,
      sender: me,
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      ...(message.mentions?.length ? { mentions: [...message.mentions] } : {}),
      ...(message.to ? { to: message.to, toName: message.toName } : {}),
      reactions: [],
    })
    this.messages.push(saved)
    this.#noticeWrites()
    return saved
  }

  editMessage = async (id: string, body: string) => {
    const message = this.#find(id)
    if (message.body === body) return message
    // As the database (messages_keep_named_mentions): the edit keeps the mentions it still shows.
    const mentions = mentionsNamedIn(body, message.mentions ?? [])
    return this.#change(id, ({ mentions: _before, ...m }) => ({
      ...m,
      body,
      editedAt: '2030-01-02T00:00:00.000Z',
      ...(mentions.length > 0 ? { mentions } : {}),
    }))
  }

  /**
   * As someone else would (Ben editing his message, an owner, Studio): `fields` change, the seq
   * stays, and the message takes the next revision.
   */
  changeBehindTheScenes(id: string, fields: Partial<Omit<StoredMessage, 'id' | 'seq'>>) {
    return this.#change(id, (message) => ({ ...message, ...fields }))
  }

  deleteMessage = async (id: string) => {
    this.deleteBehindTheScenes(id)
  }

  /** As a room owner (or Studio) would: the message leaves, and the changes feed says so. */
  deleteBehindTheScenes(id: string) {
    this.#find(id)
    this.messages = this.messages.filter((m) => m.id !== id)
    this.#deleted.add(id)
    this.#revisions.set(id, this.#nextRevision++)
  }

  /** Me adding (`on`) or taking back a reaction: a change only if it changes something. */
  #react(id: string, emoji: string, on: boolean) {
    const message = this.#find(id)
    const reactions = message.reactions ?? []
    const mine = reactions.find((r) => r.emoji === emoji)?.userIds.includes(me.id) ?? false
    if (mine === on) return message
    return this.#change(id, (m) => {
      const others = reactions.map((r) => ({
        ...r,
        userIds: r.userIds.filter((user) => user !== me.id || r.emoji !== emoji),
      }))
      const withMine = on
        ? others.some((r) => r.emoji === emoji)
          ? others.map((r) => (r.emoji === emoji ? { ...r, userIds: [...r.userIds, me.id] } : r))
          : [...others, { emoji, count: 1, userIds: [me.id] }]
        : others
      return {
        ...m,
        reactions: withMine
          .map((r) => ({ ...r, count: r.userIds.length }))
          .filter((r) => r.count > 0),
      }
    })
  }

  addReaction = async (id: string, emoji: string) => this.#react(id, emoji, true)

  removeReaction = async (id: string, emoji: string) => {
    this.#react(id, emoji, false)
  }

  pinMessage = async (id: string, on: boolean) => {
    const message = this.#find(id)
    if (on === (message.pinnedAt !== undefined)) return message
    return this.#change(id, ({ pinnedAt: _unpinned, ...rest }) =>
      on ? { ...rest, pinnedAt: new Date(Date.UTC(2030, 0, 2, 0, 0, ++seq)).toISOString() } : rest,
    )
  }

  loadHistoryPage = async (query: {
    limit?: number
    before?: number
    after?: number
  }): Promise<HistoryPage> => {
    this.historyQueries.push({
      before: query.before,
      ...(query.after !== undefined ? { after: query.after } : {}),
    })
    const limit = query.limit ?? DEFAULT_PAGE_SIZE
    const revision = this.revision
    const { before, after } = query
    if (after !== undefined) {
      const newer = this.messages.filter((m) => m.seq > after)
      return { messages: newer.slice(0, limit), hasMore: newer.length > limit, revision }
    }
    const older = this.messages.filter((m) => before === undefined || m.seq < before)
    return { messages: older.slice(-limit), hasMore: older.length > limit, revision }
  }

  /** What changed after revision `since`, oldest change first, as GET /changes says it. */
  loadChanges = async (query: { since: number; limit?: number }): Promise<ChangesPage> => {
    this.changesQueries.push(query)
    this.#noticeWrites()
    const limit = query.limit ?? MAX_PAGE_SIZE
    const changed = [...this.#revisions]
      .filter(([, revision]) => revision > query.since)
      .sort(([, a], [, b]) => a - b)
    const page = changed.slice(0, limit)
    return {
      // A message gone without a deletion was purged (a test's retention): no change says so.
      changes: page.flatMap(([id]): ChangesPage['changes'] => {
        const message = this.messages.find((m) => m.id === id)
        if (message) return [{ type: 'message' as const, message }]
        return this.#deleted.has(id) ? [{ type: 'deleted' as const, id }] : []
      }),
      revision: page.at(-1)?.[1] ?? query.since,
      hasMore: changed.length > limit,
      firstSeq: this.messages.reduce<number | null>(
        (first, m) => (first === null || m.seq < first ? m.seq : first),
        null,
      ),
    }
  }

  /** The pinned messages, the newest pin first. */
  loadPins = async () => {
    this.#noticeWrites()
    return {
      messages: this.messages
        .filter((m) => m.pinnedAt)
        .sort((a, b) => (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? '')),
    }
  }

  loadSettings = async () => this.settings

  loadMessage = async (id: string) => {
    this.loadMessageCalls.push(id)
    return this.#find(id)
  }

  /**
   * The features' own requests (features/<feature>/*-api.ts), answered by method and path from
   * the methods above, as the function's routes answer them.
   */
  route: RoomApi['route'] = fakeRoute({
    ...roomRoutes(this),
  })
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

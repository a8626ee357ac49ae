import {
  type Attachment,
  DEFAULT_ROOM_SETTINGS,
  isMessageIdOf,
  newMessageId,
  type RoomSettings,
  type StoredAttachment,
  type StoredMessage,
  type UploadRequest,
} from '@shared/protocol.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deferred } from '../../../test-support/deferred.ts'
import { FakeClock } from '../../../test-support/fake-clock.ts'
import { FIRST_REVISION } from '../../../test-support/fake-room.ts'
import { fakeRoute, roomRoutes } from '../../../test-support/fake-routes.ts'
import { FakeTransport, fakeParticipant } from '../../../test-support/fake-transport.ts'
import { ChatApiError, type RoomApi } from './chat-api.ts'
import { ChatClient } from './chat-client.ts'
import type { TimelineMessage } from './timeline.ts'

const ROOM = 'standup'
const me = { id: 'user-me', name: 'Me' }
const ana = fakeParticipant('ana', 'Ana')

let seq = 0
const stored = (
  body: string,
  sender = { id: ana.userId, name: 'Ana' },
  id: string = newMessageId(sender.id),
) =>
  ({
    id,
    room: ROOM,
    sender,
    body,
    attachments: [],
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, ++seq)).toISOString(),
    seq,
  }) satisfies StoredMessage

/** A live message as Ana's client sends it (ids are bound to their sender). */
const envelope = (body: string, id: string = newMessageId(ana.userId)) => ({
  v: 1,
  type: 'chat',
  id,
  body,
  createdAt: '2030-01-01T00:00:00.000Z',
})

const signedUrl = (file: Attachment) => `http://storage.test/read/${file.path}?token=t`

const photo = (): Attachment => ({
  path: `${ROOM}/${crypto.randomUUID()}.png`,
  name: 'photo.png',
  type: 'image/png',
  size: 2048,
  width: 640,
  height: 480,
})

/** An in-memory room API: a store of messages, and writes the test can hold or fail. */
class FakeRoomApi implements RoomApi {
  messages: StoredMessage[] = []
  writes: { id: string; body: string }[] = []
  historyQueries: { limit?: number; before?: number; after?: number }[] = []
  changesQueries: { since: number; limit?: number }[] = []
  /**
   * Revisions of edits and deletions. As in the database, a revision is not a seq: a message's
   * first revision is taken when it is written (here: at the tick of its seq), a change takes the
   * next, and all of them lie in a range of their own, so a client that takes one for the other
   * asks for the wrong messages (fake-room-contract.test.ts checks FakeRoom's rules, the same).
   */
  revisions = new Map<string, number>()
  deleted = new Map<string, StoredMessage>()

  revisionOf(message: StoredMessage) {
    return this.revisions.get(message.id) ?? FIRST_REVISION + message.seq
  }

  /** A change's revision: the next tick of the shared counter, in the revisions' range. */
  nextRevision() {
    return FIRST_REVISION + ++seq
  }

  /** As someone else (or Studio) would: the message leaves history, with a new revision. */
  deleteBehindTheScenes(id: string) {
    const message = this.messages.find((m) => m.id === id) as StoredMessage
    this.messages = this.messages.filter((m) => m.id !== id)
    this.deleted.set(id, message)
    this.revisions.set(id, this.nextRevision())
  }

  editBehindTheScenes(id: string, body: string) {
    // The same text again changes nothing, and takes no revision (as in the database).
    if (this.messages.find((m) => m.id === id)?.body === body) return
    this.messages = this.messages.map((m) =>
      m.id === id ? { ...m, body, editedAt: '2030-01-02T00:00:00.000Z' } : m,
    )
    this.revisions.set(id, this.nextRevision())
  }

  async editMessage(id: string, body: string) {
    this.editBehindTheScenes(id, body)
    return this.messages.find((m) => m.id === id) as StoredMessage
  }

  async deleteMessage(id: string) {
    this.deleteBehindTheScenes(id)
  }

  /** As the function keeps reactions: one per person and emoji, a new revision on a change. */
  reactBehindTheScenes(id: string, emoji: string, userId: string, on: boolean) {
    const had = this.messages
      .find((m) => m.id === id)
      ?.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(userId))
    // Nothing to add or take back: no change, no revision (as in the database).
    if ((had ?? false) === on) return
    this.messages = this.messages.map((m) => {
      if (m.id !== id) return m
      const reactions = (m.reactions ?? []).map((r) => ({ ...r, userIds: [...r.userIds] }))
      let target = reactions.find((r) => r.emoji === emoji)
      if (on && !target) {
        target = { emoji, count: 0, userIds: [] }
        reactions.push(target)
      }
      if (target) {
        const has = target.userIds.includes(userId)
        if (on && !has) target.userIds.push(userId)
        if (!on) target.userIds = target.userIds.filter((user) => user !== userId)
      }
      return {
        ...m,
        reactions: reactions
          .map((r) => ({ ...r, count: r.userIds.length }))
          .filter((r) => r.count > 0),
      }
    })
    this.revisions.set(id, this.nextRevision())
  }

  async addReaction(id: string, emoji: string) {
    this.reactBehindTheScenes(id, emoji, me.id, true)
    return this.messages.find((m) => m.id === id) as StoredMessage
  }

  async removeReaction(id: string, emoji: string) {
    this.reactBehindTheScenes(id, emoji, me.id, false)
  }

  reports: { id: string; reason: string }[] = []
  settings: RoomSettings = DEFAULT_ROOM_SETTINGS

  async loadPins() {
    return {
      messages: this.messages
        .filter((m) => m.pinnedAt)
        .sort((a, b) => (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? '')),
    }
  }

  async pinMessage(id: string, on: boolean) {
    const pinned = this.messages.find((m) => m.id === id)?.pinnedAt !== undefined
    if (pinned === on) return this.messages.find((m) => m.id === id) as StoredMessage
    this.messages = this.messages.map((m) => {
      if (m.id !== id) return m
      const { pinnedAt: _old, ...rest } = m
      return on
        ? { ...rest, pinnedAt: new Date(Date.UTC(2030, 0, 2, 0, 0, ++seq)).toISOString() }
        : rest
    })
    this.revisions.set(id, this.nextRevision())
    return this.messages.find((m) => m.id === id) as StoredMessage
  }

  async loadSettings() {
    return this.settings
  }

  async saveSettings(settings: RoomSettings) {
    this.settings = settings
    return settings
  }

  async loadReports() {
    return { mine: this.reports.map((report) => report.id) }
  }

  async reportMessage(id: string, reason: string) {
    if (!this.messages.some((m) => m.id === id)) {
      throw new ChatApiError(404, 'message_not_found', 'There is no such message in this room.')
    }
    this.reports.push({ id, reason })
    return { report: { messageId: id, reason, createdAt: '2030-01-01T00:00:00.000Z' } }
  }

  async searchMessages(query: { q: string }) {
    const words = query.q.toLowerCase().split(/\s+/)
    const messages = this.messages
      .filter((m) => words.every((word) => m.body.toLowerCase().includes(word)))
      .reverse()
    return { messages, hasMore: false }
  }

  async loadChanges(query: { since: number; limit?: number }) {
    this.changesQueries.push(query)
    const limit = query.limit ?? 200
    const changes = [
      ...this.messages.map((message) => ({
        revision: this.revisionOf(message),
        change: { type: 'message' as const, message },
      })),
      ...[...this.deleted.keys()].map((id) => ({
        revision: this.revisions.get(id) as number,
        change: { type: 'deleted' as const, id },
      })),
    ]
      .filter((entry) => entry.revision > query.since)
      .sort((a, b) => a.revision - b.revision)
    const page = changes.slice(0, limit)
    return {
      changes: page.map((entry) => entry.change),
      revision: page.at(-1)?.revision ?? query.since,
      hasMore: changes.length > limit,
      firstSeq: this.messages.reduce<number | null>(
        (first, message) => (first === null || message.seq < first ? message.seq : first),
        null,
      ),
    }
  }

  async downloadTranscript(format: 'md' | 'json') {
    return { file: new Blob([format]), name: `${ROOM}-transcript.${format}` }
  }
  /** A poll's vote (one per person, me here) or its closing, as the function keeps them. */
  poll(id: string, action: 'vote' | 'close', init: { method: string; json?: unknown }) {
    const index = this.messages.findIndex((message) => message.id === id)
    const message = this.messages[index]
    if (!message?.poll) throw new ChatApiError(404, 'poll_not_found', 'No.')
    const poll = structuredClone(message.poll)
    if (action === 'vote') {
      if (poll.myVote !== undefined) (poll.options[poll.myVote] as { votes: number }).votes--
      delete poll.myVote
      if (init.method === 'PUT') {
        const { option } = init.json as { option: number }
        ;(poll.options[option] as { votes: number }).votes++
        poll.myVote = option
      }
    } else {
      poll.closedAt = '2030-01-02T00:00:00.000Z'
    }
    const changed = { ...message, poll }
    this.messages[index] = changed
    this.revisions.set(changed.id, this.nextRevision())
    return changed
  }

  /** The features' own requests, answered by method and path from the methods named for them. */
  route = fakeRoute({
    ...roomRoutes(this),
    'PUT /settings': ({ json }) => this.saveSettings(json as RoomSettings),
    'GET /reports': () => this.loadReports(),
    'POST /messages/:id/reports': ({ param, json }) =>
      this.reportMessage(param('id'), (json as { reason: string }).reason),
    'GET /search': ({ query }) => this.searchMessages({ q: query.get('q') ?? '' }),
    'POST /uploads': ({ json }) => this.requestUpload(json as UploadRequest),
    'POST /attachments/sign': async ({ json }) => ({
      attachments: await this.signAttachments((json as { attachments: Attachment[] }).attachments),
    }),
    'PUT /messages/:id/poll/vote': ({ param, json }) =>
      this.poll(param('id'), 'vote', { method: 'PUT', json }),
    'DELETE /messages/:id/poll/vote': ({ param }) =>
      this.poll(param('id'), 'vote', { method: 'DELETE' }),
    'POST /messages/:id/poll/close': ({ param }) =>
      this.poll(param('id'), 'close', { method: 'POST' }),
  })
  /** When set, the next writes throw this instead of storing. */
  failWith: ChatApiError | undefined
  holdWrites: ReturnType<typeof deferred<void>> | undefined
  holdHistory: ReturnType<typeof deferred<void>> | undefined

  signRequests: Attachment[][] = []
  /** When set, how files are signed (the default: the same URL every time, without expiry). */
  signWith: ((file: Attachment) => StoredAttachment) | undefined
  loadMessageCalls = 0

  async persistMessage(message: {
    id: string
    body: string
    attachments: readonly Attachment[]
    poll?: { options: string[] }
  }): Promise<StoredMessage> {
    this.writes.push(message)
    await this.holdWrites?.promise
    if (this.failWith) throw this.failWith
    const existing = this.messages.find((m) => m.id === message.id)
    if (existing) return existing
    const saved: StoredMessage = {
      ...stored(message.body, me, message.id),
      attachments: message.attachments.map((file) => ({ ...file, url: signedUrl(file) })),
      ...(message.poll
        ? { poll: { options: message.poll.options.map((text) => ({ text, votes: 0 })) } }
        : {}),
    }
    this.messages.push(saved)
    return saved
  }

  async loadHistoryPage(query: { limit?: number; before?: number; after?: number }) {
    this.historyQueries.push(query)
    await this.holdHistory?.promise
    const limit = query.limit ?? 50
    const { before, after } = query
    // Every page says the room's latest revision, as the function's do.
    const revision = Math.max(
      0,
      ...this.messages.map((m) => this.revisionOf(m)),
      ...this.revisions.values(),
    )
    if (after !== undefined) {
      const newer = this.messages.filter((m) => m.seq > after)
      return { messages: newer.slice(0, limit), hasMore: newer.length > limit, revision }
    }
    const older = this.messages.filter((m) => before === undefined || m.seq < before)
    return { messages: older.slice(-limit), hasMore: older.length > limit, revision }
  }

  async requestUpload(file: UploadRequest) {
    return {
      uploadUrl: 'http://storage.test/upload',
      method: 'PUT' as const,
      path: `${ROOM}/${crypto.randomUUID()}.png`,
      expiresAt: '2030-01-01T02:00:00.000Z',
      ...{ name: file.name },
    }
  }

  async signAttachments(attachments: readonly Attachment[]) {
    this.signRequests.push([...attachments])
    return attachments.map((file) => this.signWith?.(file) ?? { ...file, url: signedUrl(file) })
  }

  async loadMessage(id: string) {
    this.loadMessageCalls++
    const message = this.messages.find((m) => m.id === id)
    if (!message) throw new ChatApiError(404, 'message_not_found', 'There is no such message.')
    return message
  }
}

/** Resolves once the client's snapshot satisfies `predicate`. */
function until(
  client: ChatClient,
  predicate: (snapshot: ReturnType<ChatClient['getSnapshot']>) => boolean,
) {
  return new Promise<void>((resolve) => {
    if (predicate(client.getSnapshot())) return resolve()
    const unsubscribe = client.subscribe(() => {
      if (!predicate(client.getSnapshot())) return
      unsubscribe()
      resolve()
    })
  })
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

function setup() {
  const api = new FakeRoomApi()
  const transport = new FakeTransport(fakeParticipant('me', 'Me', true))
  const clock = new FakeClock()
  const storage = new Map<string, string>()
  const log = vi.fn()
  const makeClient = (extra: { owner?: boolean } = {}) =>
    new ChatClient({
      ...extra,
      room: ROOM,
      user: me,
      api,
      transport,
      clock,
      log,
      storage: {
        getItem: (key) => storage.get(key) ?? null,
        setItem: (key, value) => void storage.set(key, value),
      },
    })
  const client = makeClient()
  clients.push(client)
  const bodies = () => client.getSnapshot().messages.map((m) => m.body)
  return { api, transport, clock, storage, log, client, makeClient, bodies }
}

const clients: ChatClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose()
})

describe('ChatClient', () => {
  it('joins, then shows the newest page of history', async () => {
    const { api, transport, client, bodies } = setup()
    api.messages = Array.from({ length: 60 }, (_, i) => stored(`m${i}`))
    await client.start()
    expect(transport.joined).toBe(true)
    expect(bodies()).toEqual(api.messages.slice(10).map((m) => m.body))
    expect(client.getSnapshot().history).toMatchObject({ loaded: true, hasOlder: true })
  })

  it('merges live messages that arrive while history loads, once each, after it', async () => {
    const { api, transport, client, bodies } = setup()
    transport.arrive(ana)
    const old = stored('before I came')
    api.messages = [old]
    api.holdHistory = deferred()
    const starting = client.start()
    await settle()
    transport.deliver(envelope('said during the load'), ana.sessionId)
    transport.deliver(envelope(old.body, old.id), ana.sessionId)
    expect(bodies()).toEqual([])
    api.holdHistory.resolve()
    await starting
    expect(bodies()).toEqual(['before I came', 'said during the load'])
  })

  it('shows an own message at once and sends it live before the write finishes', async () => {
    const { api, transport, client } = setup()
    await client.start()
    api.holdWrites = deferred()
    const result = client.send('  hello  ')
    expect(result.ok).toBe(true)
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'hello', status: 'sending', own: true, sender: me },
    ])
    expect(transport.sent).toEqual([expect.objectContaining({ type: 'chat', body: 'hello' })])
    api.holdWrites.resolve()
    await settle()
    expect(client.getSnapshot().messages).toMatchObject([{ body: 'hello', status: 'saved' }])
    expect(api.messages).toHaveLength(1)
  })

  it('refuses text that is no message, sending nothing', async () => {
    const { api, transport, client, bodies } = setup()
    await client.start()
    expect(client.send('   ')).toEqual({ ok: false, error: 'The message is empty.' })
    expect(client.send('x'.repeat(4001))).toMatchObject({ ok: false })
    expect(bodies()).toEqual([])
    expect(transport.sent).toEqual([])
    expect(api.writes).toEqual([])
  })

  it('marks a message whose write failed as retrying, and saved once a retry succeeds', async () => {
    const { api, clock, client } = setup()
    await client.start()
    api.failWith = new ChatApiError(503, 'http_error', 'The chat service answered 503.')
    client.send('keep me')
    await settle()
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'keep me', status: 'retrying', error: 'The chat service answered 503.' },
    ])
    api.failWith = undefined
    clock.advance(1000)
    await settle()
    expect(client.getSnapshot().messages).toMatchObject([{ body: 'keep me', status: 'saved' }])
    expect(new Set(api.writes.map((write) => write.id)).size).toBe(1)
  })

  it('resumes unsent messages after a reload, without storing any twice', async () => {
    const { api, client, makeClient } = setup()
    api.messages = [stored('said before')]
    await client.start()
    api.failWith = new ChatApiError(0, 'network_error', 'offline')
    client.send('written after the reload')
    await settle()
    await client.dispose()

    api.failWith = undefined
    const reloaded = makeClient()
    clients.push(reloaded)
    api.holdWrites = deferred()
    await reloaded.start()
    // Shown while its write is still on its way, after the history it followed.
    expect(reloaded.getSnapshot().messages.map((m) => [m.body, m.status])).toEqual([
      ['said before', 'saved'],
      ['written after the reload', 'retrying'],
    ])
    api.holdWrites.resolve()
    await until(reloaded, (snapshot) => snapshot.messages[1]?.status === 'saved')
    expect(reloaded.getSnapshot().messages).toMatchObject([
      { body: 'said before', status: 'saved', own: false },
      { body: 'written after the reload', status: 'saved', own: true },
    ])
    expect(api.messages.map((m) => m.body)).toEqual(['said before', 'written after the reload'])
  })

  it('names live senders from the participant list, and drops envelopes that claim a name', async () => {
    const { transport, client, log } = setup()
    transport.arrive(ana)
    await client.start()
    transport.deliver({ ...envelope('I am the host'), name: 'Host' }, ana.sessionId)
    transport.deliver(envelope('hi'), ana.sessionId)
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'hi', sender: { id: ana.userId, name: 'Ana' }, status: 'live', own: false },
    ])
    expect(log).toHaveBeenCalledWith('dropped a live message that is not a valid envelope', {
      from: ana.sessionId,
      data: expect.objectContaining({ name: 'Host' }),
    })
  })

  it.each([
    ['a wrong version', { ...envelope('x'), v: 2 }],
    ['a bad id', envelope('x', 'not-a-uuid')],
    ['an empty body', envelope('   ')],
    ['a string', 'hello'],
    ['null', null],
  ])('drops and logs %s', async (_label, data) => {
    const { transport, client, log, bodies } = setup()
    transport.arrive(ana)
    await client.start()
    transport.deliver(data, ana.sessionId)
    expect(bodies()).toEqual([])
    expect(log).toHaveBeenCalledTimes(1)
  })

  it('shows messages from Daily\'s REST API as from "Room"', async () => {
    const { transport, client } = setup()
    await client.start()
    transport.deliver(envelope('The meeting ends in 5 minutes', newMessageId('API')), 'API')
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'The meeting ends in 5 minutes', sender: { name: 'Room' } },
    ])
  })

  it("shows Daily Prebuilt's chat live, marked as not saved, named by the participant list", async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    await client.start()
    transport.deliver(
      { event: 'chat-msg', message: 'from prebuilt', name: 'Pretender', room: 'main-room' },
      ana.sessionId,
    )
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'from prebuilt', sender: { name: 'Ana' }, status: 'not-saved' },
    ])
    expect(api.writes).toEqual([])
  })

  it('sends files as metadata live, writes them with the message, and shows previews meanwhile', async () => {
    const { api, transport, client } = setup()
    await client.start()
    api.holdWrites = deferred()
    const file = photo()
    expect(client.send('', [file], ['blob:preview']).ok).toBe(true)
    expect(transport.sent).toEqual([
      expect.objectContaining({ type: 'chat', body: '', attachments: [file] }),
    ])
    expect(client.getSnapshot().messages[0]?.attachments).toEqual([
      { ...file, url: 'blob:preview' },
    ])
    api.holdWrites.resolve()
    await until(client, (snapshot) => snapshot.messages[0]?.status === 'saved')
    expect(api.writes).toEqual([expect.objectContaining({ attachments: [file] })])
    expect(client.getSnapshot().messages[0]?.attachments).toEqual([
      { ...file, url: signedUrl(file) },
    ])
  })

  it('refuses a message with neither text nor files', async () => {
    const { client } = setup()
    await client.start()
    expect(client.send('  ', [])).toEqual({ ok: false, error: 'The message is empty.' })
  })

  it('asks the function for URLs of files announced live', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    await client.start()
    const file = photo()
    transport.deliver({ ...envelope('look'), attachments: [file] }, ana.sessionId)
    expect(client.getSnapshot().messages[0]?.attachments).toEqual([file])
    await until(client, (snapshot) => snapshot.messages[0]?.attachments[0]?.url !== undefined)
    expect(api.signRequests).toEqual([[file]])
    expect(client.getSnapshot().messages[0]?.attachments[0]?.url).toBe(signedUrl(file))
  })

  it('writes a message too large for the channel first, then announces it by id', async () => {
    const { api, transport, client } = setup()
    await client.start()
    const long = '"'.repeat(3000)
    client.send(long)
    expect(transport.sent).toEqual([])
    await settle()
    const saved = api.messages[0]
    expect(saved?.body).toBe(long)
    expect(transport.sent).toEqual([{ v: 1, type: 'chat-ref', id: saved?.id }])
  })

  it('fetches a message announced by id', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    await client.start()
    const big = stored('😀'.repeat(3000))
    api.messages.push(big)
    transport.deliver({ v: 1, type: 'chat-ref', id: big.id }, ana.sessionId)
    await settle()
    expect(client.getSnapshot().messages).toMatchObject([{ id: big.id, status: 'saved' }])
  })

  it('fills the gap after a reconnect and sends what was queued meanwhile', async () => {
    const { api, transport, client, bodies } = setup()
    transport.arrive(ana)
    const before = stored('before')
    api.messages = [before]
    await client.start()
    transport.connection('interrupted')
    expect(client.getSnapshot().connection).toBe('interrupted')
    client.send('typed while away')
    const missed = Array.from({ length: 250 }, (_, i) => stored(`missed ${i}`))
    api.messages.push(...missed)
    transport.connection('connected')
    await until(client, (snapshot) => snapshot.messages.length === 252)
    expect(bodies()).toEqual(['before', ...missed.map((m) => m.body), 'typed while away'])
    // From the last revision read from the server, not from the own message's newer one.
    expect(api.changesQueries).toMatchObject([
      { since: api.revisionOf(before), limit: 200 },
      { since: api.revisionOf(missed[199] as StoredMessage), limit: 200 },
    ])
    expect(transport.sent).toEqual([expect.objectContaining({ body: 'typed while away' })])
  })

  it('finds what was missed even when an own message was saved after it', async () => {
    const { api, transport, client, bodies } = setup()
    await client.start()
    transport.connection('interrupted')
    api.messages.push(stored('missed 1'), stored('missed 2'))
    client.send('mine, saved over HTTP while the channel was down')
    await until(client, (snapshot) => snapshot.messages[0]?.status === 'saved')
    transport.connection('connected')
    await until(client, (snapshot) => snapshot.messages.length === 3)
    expect(bodies()).toEqual([
      'missed 1',
      'missed 2',
      'mine, saved over HTTP while the channel was down',
    ])
  })

  it('shows who is typing, and clears it when they send or leave', async () => {
    const { clock, transport, client } = setup()
    const ben = fakeParticipant('ben', 'Ben')
    transport.arrive(ana)
    transport.arrive(ben)
    await client.start()
    transport.deliver({ v: 1, type: 'typing', typing: true }, ana.sessionId)
    transport.deliver({ v: 1, type: 'typing', typing: true }, ben.sessionId)
    expect(client.getSnapshot().typingLine).toBe('Ana and Ben are typing…')
    transport.deliver(envelope('done'), ana.sessionId)
    expect(client.getSnapshot().typingLine).toBe('Ben is typing…')
    transport.depart(ben.sessionId)
    expect(client.getSnapshot().typingLine).toBe('')
    transport.deliver({ v: 1, type: 'typing', typing: true }, ana.sessionId)
    clock.advance(5000)
    expect(client.getSnapshot().typingLine).toBe('')
  })

  it('tells the others when this user types, at most once per 2 s; the message itself ends it', async () => {
    const { clock, transport, client } = setup()
    await client.start()
    client.inputChanged('h')
    client.inputChanged('he')
    clock.advance(2000)
    client.inputChanged('hel')
    client.send('hel')
    // Receiving the message ends the notice (TypingRoster): no "stopped" frame before it.
    client.inputChanged('n')
    expect(transport.sent.map((data) => (data as { type: string; typing?: boolean }).type)).toEqual(
      ['typing', 'typing', 'chat', 'typing'],
    )
    expect(
      transport.sent.map((data) => (data as { type: string; typing?: boolean }).typing),
    ).toEqual([true, true, undefined, true])
  })

  it('says typing stopped when the message is too large to go live', async () => {
    const { transport, client } = setup()
    await client.start()
    client.inputChanged('"')
    client.send('"'.repeat(3000))
    expect(transport.sent).toEqual([
      { v: 1, type: 'typing', typing: true },
      { v: 1, type: 'typing', typing: false },
    ])
  })

  it('keeps the participants the same array while only messages change (the call view stays)', async () => {
    const { transport, client } = setup()
    transport.arrive(ana)
    await client.start()
    const before = client.getSnapshot().participants
    client.send('hello')
    expect(client.getSnapshot().messages.map((m) => m.body)).toEqual(['hello'])
    expect(client.getSnapshot().participants).toBe(before)
    transport.arrive(fakeParticipant('ben', 'Ben'))
    expect(client.getSnapshot().participants).not.toBe(before)
    expect(client.getSnapshot().participants.map((p) => p.label)).toEqual(
      expect.arrayContaining(['Ana', 'Ben']),
    )
  })

  it('loads older history page by page until the beginning', async () => {
    const { api, client, bodies } = setup()
    api.messages = Array.from({ length: 120 }, (_, i) => stored(`m${i}`))
    await client.start()
    await client.loadOlder()
    expect(bodies()).toHaveLength(100)
    await client.loadOlder()
    expect(bodies()).toEqual(api.messages.map((m) => m.body))
    expect(client.getSnapshot().history.hasOlder).toBe(false)
    expect(api.historyQueries).toMatchObject([
      {},
      { before: api.messages[70]?.seq },
      { before: api.messages[20]?.seq },
    ])
  })

  it('edits an own message, and tells the others live', async () => {
    const { api, transport, client } = setup()
    await client.start()
    client.send('helo')
    await until(client, (snapshot) => snapshot.messages[0]?.status === 'saved')
    const [message] = client.getSnapshot().messages
    expect(client.can('edit', message as TimelineMessage)).toBe(true)
    expect(await client.edit(message?.id as string, 'hello')).toEqual({ ok: true })
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'hello', editedAt: expect.any(String) },
    ])
    expect(api.messages[0]?.body).toBe('hello')
    expect(transport.sent.at(-1)).toEqual({ v: 1, type: 'changed', id: message?.id })
  })

  it("refuses to edit someone else's message, and lets only owners delete it", async () => {
    const { api, transport, client, makeClient } = setup()
    transport.arrive(ana)
    const theirs = stored('theirs')
    api.messages = [theirs]
    await client.start()
    const [message] = client.getSnapshot().messages as TimelineMessage[]
    expect(client.can('edit', message as TimelineMessage)).toBe(false)
    expect(client.can('remove', message as TimelineMessage)).toBe(false)
    expect(await client.edit(theirs.id, 'mine now')).toMatchObject({ ok: false })
    expect(api.messages[0]?.body).toBe('theirs')

    const owner = makeClient({ owner: true })
    clients.push(owner)
    await owner.start()
    const [seen] = owner.getSnapshot().messages as TimelineMessage[]
    expect(owner.can('remove', seen as TimelineMessage)).toBe(true)
    expect(owner.can('edit', seen as TimelineMessage)).toBe(false)
    // A message just received live can be deleted by an owner too.
    transport.deliver(envelope('just now'), ana.sessionId)
    const live = owner.getSnapshot().messages.at(-1) as TimelineMessage
    expect(live.status).toBe('live')
    expect(owner.can('remove', live)).toBe(true)
    expect(client.can('remove', live)).toBe(false)
  })

  it('leaves "deleted" in place of a message deleted here, and tells the others', async () => {
    const { api, transport, client } = setup()
    const before = stored('before')
    const mine = stored('oops', me)
    api.messages = [before, mine]
    await client.start()
    expect(await client.remove(mine.id)).toEqual({ ok: true })
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'before' },
      { id: mine.id, deleted: true, body: '' },
    ])
    expect(transport.sent.at(-1)).toEqual({ v: 1, type: 'changed', id: mine.id })
  })

  it('fetches a message announced as changed: its new text, or that it is gone', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    const edited = stored('draft')
    const removed = stored('regret')
    api.messages = [edited, removed]
    await client.start()
    api.editBehindTheScenes(edited.id, 'final')
    api.deleteBehindTheScenes(removed.id)
    transport.deliver({ v: 1, type: 'changed', id: edited.id }, ana.sessionId)
    transport.deliver({ v: 1, type: 'changed', id: removed.id }, ana.sessionId)
    await until(client, (snapshot) => snapshot.messages[1]?.deleted === true)
    await until(client, (snapshot) => snapshot.messages[0]?.body === 'final')
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'final', editedAt: expect.any(String) },
      { deleted: true },
    ])
  })

  it('learns on sync about deletions and edits made elsewhere (Studio)', async () => {
    const { api, client } = setup()
    const kept = stored('kept')
    const moderated = stored('spam')
    api.messages = [kept, moderated]
    await client.start()
    api.deleteBehindTheScenes(moderated.id)
    api.editBehindTheScenes(kept.id, 'kept, edited')
    await client.sync()
    expect(client.getSnapshot().messages).toMatchObject([
      { body: 'kept, edited' },
      { id: moderated.id, deleted: true },
    ])
  })

  it('keeps the same snapshot until something changes', async () => {
    const { client, transport } = setup()
    await client.start()
    const before = client.getSnapshot()
    expect(client.getSnapshot()).toBe(before)
    transport.arrive(ana)
    expect(client.getSnapshot()).not.toBe(before)
    expect(client.getSnapshot().participants.map((p) => p.userName)).toEqual(['Me', 'Ana'])
  })

  it("makes message ids that are this user's, and drops live messages under another's id", async () => {
    const { api, transport, client, log, bodies } = setup()
    transport.arrive(ana)
    await client.start()
    const sent = client.send('mine')
    expect(sent.ok && isMessageIdOf(sent.id, me.id)).toBe(true)
    expect(sent.ok && isMessageIdOf(sent.id, ana.userId)).toBe(false)

    // A modified client of Ana's shows text under an id of this user's, or a random one.
    const taken = newMessageId(me.id)
    transport.deliver(envelope('posing as Me', taken), ana.sessionId)
    transport.deliver(envelope('random id', crypto.randomUUID()), ana.sessionId)
    transport.deliver({ v: 1, type: 'chat-ref', id: taken }, ana.sessionId)
    await settle()
    expect(bodies()).toEqual(['mine'])
    expect(log).toHaveBeenCalledWith("dropped a live message whose id is not its sender's", {
      from: ana.sessionId,
      type: 'chat',
      id: taken,
    })
    expect(log).toHaveBeenCalledTimes(3)
    expect(api.changesQueries).toEqual([])
  })

  it('answers a burst of "changed" announcements with at most two catch-ups', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    const edited = stored('draft')
    api.messages = [edited]
    await client.start()
    api.editBehindTheScenes(edited.id, 'final')
    for (let i = 0; i < 300; i++) {
      transport.deliver({ v: 1, type: 'changed', id: edited.id }, ana.sessionId)
    }
    await until(client, (snapshot) => snapshot.messages[0]?.body === 'final')
    await settle()
    expect(api.changesQueries.length).toBeGreaterThanOrEqual(1)
    expect(api.changesQueries.length).toBeLessThanOrEqual(2)
  })

  it('reads again after a catch-up in flight when more is announced meanwhile', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    const first = stored('first')
    api.messages = [first]
    await client.start()
    api.editBehindTheScenes(first.id, 'first, edited')
    transport.deliver({ v: 1, type: 'changed', id: first.id }, ana.sessionId)
    // Announced while the first read is on its way: it may have been read before this edit.
    api.editBehindTheScenes(first.id, 'first, edited twice')
    transport.deliver({ v: 1, type: 'changed', id: first.id }, ana.sessionId)
    await until(client, (snapshot) => snapshot.messages[0]?.body === 'first, edited twice')
    expect(api.changesQueries).toHaveLength(2)
  })

  it('fetches a burst of messages announced by id with a bounded number of requests', async () => {
    const { api, transport, client, bodies } = setup()
    transport.arrive(ana)
    await client.start()
    const big = Array.from({ length: 300 }, (_, i) => stored(`${i} ${'😀'.repeat(3000)}`))
    api.messages.push(...big)
    for (const message of big) {
      transport.deliver({ v: 1, type: 'chat-ref', id: message.id }, ana.sessionId)
    }
    await until(client, (snapshot) => snapshot.messages.length === 300)
    await settle()
    expect(bodies()).toEqual(big.map((m) => m.body))
    expect(api.loadMessageCalls).toBe(0)
    // Two catch-ups (one in flight, one queued), each paged by 200.
    expect(api.changesQueries.length).toBeLessThanOrEqual(4)
  })

  it('leaves a change to a message older than the history loaded to its page, without a gap', async () => {
    const { api, client, bodies } = setup()
    api.messages = Array.from({ length: 120 }, (_, i) => stored(`old ${i}`))
    await client.start()
    await client.loadOlder()
    expect(bodies()[0]).toBe('old 20')
    // Edited while this client is away: the catch-up brings it, but it is not in view yet.
    api.editBehindTheScenes((api.messages[5] as StoredMessage).id, 'old 5, edited')
    await client.sync()
    expect(bodies()[0]).toBe('old 20')
    await client.loadOlder()
    expect(bodies()).toEqual(
      Array.from({ length: 120 }, (_, i) => (i === 5 ? 'old 5, edited' : `old ${i}`)),
    )
    expect(client.getSnapshot().history.hasOlder).toBe(false)
  })

  it('forgets purged messages at the next catch-up, keeping unsaved ones', async () => {
    const { api, client, bodies } = setup()
    api.messages = Array.from({ length: 60 }, (_, i) => stored(`m${i}`))
    await client.start()
    api.failWith = new ChatApiError(0, 'network_error', 'offline')
    client.send('not saved yet')
    await settle()
    expect(client.getSnapshot().history.hasOlder).toBe(true)

    // Retention removes the 55 oldest for good: no change announces it.
    api.messages = api.messages.slice(55)
    await client.sync()
    expect(bodies()).toEqual(['m55', 'm56', 'm57', 'm58', 'm59', 'not saved yet'])
    expect(client.getSnapshot().history.hasOlder).toBe(false)

    api.messages = []
    await client.sync()
    expect(bodies()).toEqual(['not saved yet'])
  })

  it('signs the files shown again before their URLs expire, in batches', async () => {
    const { api, clock, client } = setup()
    const expiresIn = (ms: number) => new Date(clock.now() + ms).toISOString()
    const hour = 60 * 60_000
    let version = 1
    api.signWith = (file) => ({
      ...file,
      url: `${signedUrl(file)}&v=${version}`,
      urlExpiresAt: expiresIn(hour),
    })
    const files = Array.from({ length: 12 }, photo)
    api.messages = files.map((file) => ({
      ...stored('look'),
      attachments: [{ ...file, url: `${signedUrl(file)}&v=0`, urlExpiresAt: expiresIn(hour) }],
    }))
    await client.start()
    const urls = () => client.getSnapshot().messages.map((m) => m.attachments[0]?.url)

    clock.advance(hour - 5 * 60_000 - 1)
    await settle()
    expect(api.signRequests).toEqual([])
    clock.advance(1)
    await until(client, () => urls().every((url) => url?.endsWith('&v=1')))
    // Two requests (the function signs at most 10 files a call), without the old URLs.
    expect(api.signRequests.map((batch) => batch.length)).toEqual([10, 2])
    expect(api.signRequests.flat()).toEqual(files)

    // And again before the new ones expire.
    await settle()
    version = 2
    clock.advance(hour - 5 * 60_000)
    await until(client, () => urls().every((url) => url?.endsWith('&v=2')))
    expect(api.signRequests).toHaveLength(4)
  })

  it('counts new messages from others once each: not own ones, nor older pages scrolled up for', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    api.messages = Array.from({ length: 60 }, (_, i) => stored(`m${i}`))
    await client.start()
    // The newest page is news to whoever has not read it yet.
    expect(client.arrivals.getSnapshot().count).toBe(50)

    await client.loadOlder()
    client.send('mine')
    transport.deliver(envelope('live from Ana'), ana.sessionId)

    expect(client.getSnapshot().messages).toHaveLength(62)
    expect(client.arrivals.getSnapshot().count).toBe(51)
    expect(client.arrivals.getSnapshot().recent.at(-1)).toMatchObject({
      body: 'live from Ana',
      sender: { name: 'Ana' },
    })
  })

  it('tells apart two people in the call with one name, on the list and on their messages', async () => {
    const { api, transport, client } = setup()
    const otherAna = fakeParticipant('ana-2', 'Ana')
    transport.arrive(ana)
    transport.arrive(otherAna)
    api.messages = [
      stored('from the first Ana'),
      stored('from the second', { id: otherAna.userId, name: 'Ana' }),
    ]
    await client.start()
    const labels = () => client.getSnapshot().participants.map((p) => p.label)
    expect(labels()).toEqual(['Me', 'Ana', 'Ana (2)'])
    transport.deliver(envelope('live', newMessageId(otherAna.userId)), otherAna.sessionId)
    expect(client.getSnapshot().messages.map((m) => m.sender.name)).toEqual([
      'Ana',
      'Ana (2)',
      'Ana (2)',
    ])
    // Stable: the second Ana stays "Ana (2)" when the first leaves.
    transport.depart(ana.sessionId)
    expect(labels()).toEqual(['Me', 'Ana (2)'])
    // Nothing changes for messages while labels and timeline stay as they are.
    const before = client.getSnapshot().messages
    transport.deliver({ v: 1, type: 'typing', typing: true }, otherAna.sessionId)
    expect(client.getSnapshot().messages).toBe(before)
  })
})

describe('ChatClient reactions', () => {
  it('shows a reaction announced live as the function has it, with who reacted by name', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    const message = stored('vote')
    api.messages = [message]
    await client.start()

    api.reactBehindTheScenes(message.id, '👍', ana.userId, true)
    // What the announcement would claim does not matter: only that the message changed.
    transport.deliver({ v: 1, type: 'changed', id: message.id }, ana.sessionId)
    await until(client, (snapshot) => (snapshot.messages[0]?.reactions?.length ?? 0) > 0)
    expect(client.getSnapshot().messages[0]?.reactions).toEqual([
      { emoji: '👍', count: 1, userIds: [ana.userId], mine: false, names: ['Ana'] },
    ])

    expect(await client.react(message.id, '👍', true)).toEqual({ ok: true })
    expect(client.getSnapshot().messages[0]?.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [ana.userId, me.id], mine: true, names: ['Ana', 'You'] },
    ])
    expect(transport.sent.at(-1)).toEqual({ v: 1, type: 'changed', id: message.id })

    expect(await client.react(message.id, '👍', false)).toEqual({ ok: true })
    expect(client.getSnapshot().messages[0]?.reactions).toEqual([
      { emoji: '👍', count: 1, userIds: [ana.userId], mine: false, names: ['Ana'] },
    ])
    expect(client.canReact(client.getSnapshot().messages[0] as TimelineMessage)).toBe(true)
  })
})

describe('ChatClient reports', () => {
  it("reports someone else's message with a reason, and remembers it was reported", async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    const message = stored('buy now')
    api.messages = [message]
    await client.start()
    const shown = client.getSnapshot().messages[0] as TimelineMessage
    expect(client.canReport(shown)).toBe(true)

    expect(await client.report(message.id, 'spam')).toEqual({ ok: true })
    expect(api.reports).toEqual([{ id: message.id, reason: 'spam' }])
    expect(client.reports.getSnapshot().mine.has(message.id)).toBe(true)
  })

  it("offers no report of one's own message or a deleted one, and says why a report failed", async () => {
    const { api, client } = setup()
    await client.start()
    client.send('mine')
    const own = client.getSnapshot().messages[0] as TimelineMessage
    expect(client.canReport(own)).toBe(false)
    expect(
      client.canReport({ ...own, own: false, sender: { id: 'ana', name: 'Ana' }, deleted: true }),
    ).toBe(false)
    expect(client.canReport({ ...own, own: false, sender: { id: 'API', name: 'Room' } })).toBe(
      false,
    )

    const result = await client.report(newMessageId(ana.userId), 'spam')
    expect(result).toEqual({ ok: false, error: 'There is no such message in this room.' })
    expect(client.reports.getSnapshot().mine.size).toBe(0)
    expect(api.reports).toEqual([])
  })
})

describe('ChatClient pins', () => {
  it('lets an owner pin a message: the timeline, the pin board and everyone else learn it', async () => {
    const { api, transport, makeClient } = setup()
    transport.arrive(ana)
    const message = stored('Agenda: budget, hiring')
    api.messages = [message]
    const host = makeClient({ owner: true })
    clients.push(host)
    await host.start()
    const shown = host.getSnapshot().messages[0] as TimelineMessage
    expect(host.canPin(shown)).toBe(true)

    expect(await host.pin(message.id, true)).toEqual({ ok: true })
    expect(host.getSnapshot().messages[0]?.pinnedAt).toBeDefined()
    expect(host.pins.getSnapshot().map((m) => m.id)).toEqual([message.id])
    expect(transport.sent.at(-1)).toEqual({ v: 1, type: 'pins' })
  })

  it('offers no pin to members, and reads the pins again when an owner announces a change', async () => {
    const { api, transport, client } = setup()
    transport.arrive(ana)
    const message = stored('Slides are up')
    api.messages = [message]
    await client.start()
    expect(client.canPin(client.getSnapshot().messages[0] as TimelineMessage)).toBe(false)
    expect(client.pins.getSnapshot()).toEqual([])

    await api.pinMessage(message.id, true)
    const host = { ...fakeParticipant('host', 'Host'), owner: true }
    transport.arrive(host)
    transport.deliver({ v: 1, type: 'pins' }, host.sessionId)
    await until(client, (snapshot) => snapshot.messages[0]?.pinnedAt !== undefined)
    await expect.poll(() => client.pins.getSnapshot().length).toBe(1)
  })
})

describe('ChatClient stores', () => {
  it('a typing notice, a join or a pin notice leaves the messages alone; a message moves them', async () => {
    const { api, transport, client } = setup()
    const owner = { ...fakeParticipant('olga', 'Olga'), owner: true }
    transport.arrive(ana)
    transport.arrive(owner)
    api.messages = [stored('hello')]
    await client.start()
    const messagesBefore = client.messages.getSnapshot()
    let messageChanges = 0
    client.messages.subscribe(() => messageChanges++)
    const typingLines: string[] = []
    client.typing.subscribe(() => typingLines.push(client.typing.getSnapshot()))

    transport.deliver({ v: 1, type: 'typing', typing: true }, ana.sessionId)
    transport.arrive(fakeParticipant('cy', 'Cy'))
    transport.deliver({ v: 1, type: 'pins' }, owner.sessionId)
    await client.sync()

    expect(typingLines).toEqual(['Ana is typing…'])
    expect(client.people.getSnapshot().participants.map((person) => person.label)).toContain('Cy')
    expect(messageChanges).toBe(0)
    expect(client.messages.getSnapshot()).toBe(messagesBefore)

    transport.deliver(envelope('news'), ana.sessionId)
    expect(messageChanges).toBe(1)
    const view = client.messages.getSnapshot()
    expect(view.at(view.size - 1)?.body).toBe('news')
    // The message also ends Ana's typing line.
    expect(typingLines.at(-1)).toBe('')
  })

  it('reads a message by id and position without copying the history', async () => {
    const { api, client } = setup()
    api.messages = [stored('first'), stored('second'), stored('third')]
    await client.start()
    const view = client.messages.getSnapshot()
    const second = view.at(1)
    expect(second?.body).toBe('second')
    expect(view.indexOf(second?.id ?? '')).toBe(1)
    expect(view.get(second?.id ?? '')).toBe(second)
    expect(view.indexOf('no-such-id')).toBe(-1)
    expect(view.list().map((message) => message.body)).toEqual(['first', 'second', 'third'])
  })
})

describe('ChatClient polls', () => {
  it('starts a poll: shown at once with its options, sent live, written with them', async () => {
    const { api, transport, client } = setup()
    await client.start()

    const sent = client.startPoll('Lunch?', ['Pizza', ' Sushi '])

    expect(sent.ok).toBe(true)
    const shown = client.getSnapshot().messages[0]
    expect(shown?.body).toBe('Lunch?')
    expect(shown?.poll?.options).toEqual([
      { text: 'Pizza', votes: 0 },
      { text: 'Sushi', votes: 0 },
    ])
    expect(transport.sent).toContainEqual(
      expect.objectContaining({
        type: 'chat',
        body: 'Lunch?',
        poll: { options: ['Pizza', 'Sushi'] },
      }),
    )
    await until(client, (snapshot) => snapshot.messages[0]?.status === 'saved')
    expect(api.writes[0]).toMatchObject({ body: 'Lunch?', poll: { options: ['Pizza', 'Sushi'] } })
  })

  it('refuses a poll of one option, or two the same, saying why, and sends nothing', async () => {
    const { transport, client } = setup()
    await client.start()
    expect(client.startPoll('Lunch?', ['Pizza'])).toEqual({
      ok: false,
      error: 'A poll has 2 to 10 options.',
    })
    expect(client.startPoll('Lunch?', ['Pizza', 'pizza'])).toEqual({
      ok: false,
      error: 'Two options of the poll are the same. Make each option different.',
    })
    expect(client.getSnapshot().messages).toEqual([])
    expect(transport.sent.filter((data) => (data as { type: string }).type === 'chat')).toEqual([])
  })

  it("shows someone else's poll live, then votes, changes the vote and closes it", async () => {
    const { api, transport, client, makeClient } = setup()
    transport.arrive(ana)
    const poll = {
      ...stored('Lunch?'),
      poll: {
        options: [
          { text: 'Pizza', votes: 0 },
          { text: 'Sushi', votes: 0 },
        ],
      },
    }
    api.messages = [poll]
    await client.start()

    expect(await client.polls.vote(poll.id, 1)).toEqual({ ok: true })
    const voted = client.getSnapshot().messages[0]?.poll
    expect(voted?.myVote).toBe(1)
    expect(voted?.options.map((option) => option.votes)).toEqual([0, 1])
    expect(transport.sent).toContainEqual({ v: 1, type: 'changed', id: poll.id })

    await client.polls.vote(poll.id, 0)
    expect(client.getSnapshot().messages[0]?.poll?.options.map((option) => option.votes)).toEqual([
      1, 0,
    ])
    await client.polls.takeBack(poll.id)
    expect(client.getSnapshot().messages[0]?.poll?.myVote).toBeUndefined()

    // Ana's poll: only she or an owner closes it.
    const shown = client.getSnapshot().messages[0] as TimelineMessage
    expect(client.polls.canClose(shown)).toBe(false)
    const owner = makeClient({ owner: true })
    clients.push(owner)
    await owner.start()
    const asOwner = owner.getSnapshot().messages[0] as TimelineMessage
    expect(owner.polls.canClose(asOwner)).toBe(true)
    expect(await owner.polls.close(poll.id)).toEqual({ ok: true })
    const closed = owner.getSnapshot().messages[0] as TimelineMessage
    expect(closed.poll?.closedAt).toBeDefined()
    expect(owner.polls.canVote(closed)).toBe(false)
  })

  it('receives a poll live from its sender, with its options and no votes', async () => {
    const { transport, client } = setup()
    transport.arrive(ana)
    await client.start()
    transport.deliver(
      { ...envelope('Lunch?'), poll: { options: ['Pizza', 'Sushi'] } },
      ana.sessionId,
    )
    expect(client.getSnapshot().messages[0]?.poll).toEqual({
      options: [
        { text: 'Pizza', votes: 0 },
        { text: 'Sushi', votes: 0 },
      ],
    })
  })
})

import {
  type Attachment,
  type ChatUser,
  fitsLiveChannel,
  isMessageIdOf,
  LIVE_PROTOCOL_VERSION,
  type LiveEnvelope,
  liveEnvelopeSchema,
  messageTextSchema,
  newMessageId,
  type StoredMessage,
} from '@shared/protocol.ts'
import {
  type ChatTransport,
  type ConnectionState,
  type Participant,
  TransportError,
} from '../transport/chat-transport.ts'
import type { RoomApi } from './chat-api.ts'
import { type Clock, systemClock } from './clock.ts'
import { distinctNames, type NamedPerson } from './display-names.ts'
import { Outbox, type OutboxEntry, type OutboxStorage } from './outbox.ts'
import { parsePrebuiltChat } from './prebuilt-chat.ts'
import { Timeline, type TimelineMessage } from './timeline.ts'
import { TypingNotifier, TypingRoster, typingLine } from './typing.ts'
import { UrlRefresher } from './url-refresh.ts'

export const HISTORY_PAGE_SIZE = 50
const CATCH_UP_PAGE_SIZE = 200
/** Messages sent with Daily's REST API arrive from this session id. */
const API_SESSION_ID = 'API'

/** Someone in the call, with the name to show them by (`label`: "Ana (2)" for a second Ana). */
export type ChatParticipant = Participant & { label: string }

export interface ChatSnapshot {
  /**
   * The conversation. Each sender is named as shown: two people in the call with one name are
   * told apart ("Ana", "Ana (2)"), on their messages as in the participant list.
   */
  messages: readonly TimelineMessage[]
  participants: readonly ChatParticipant[]
  /** "Ana is typing…", or ''. */
  typingLine: string
  connection: ConnectionState
  /** Older history: whether there is more, whether a page is loading, why it failed. */
  history: { loaded: boolean; hasOlder: boolean; loading: boolean; error?: string }
}

export interface ChatClientOptions {
  room: string
  /** This user, from the token. */
  user: ChatUser
  api: RoomApi
  transport: ChatTransport
  /** A room owner (token claim `o`) may delete anyone's message. */
  owner?: boolean
  /** Keeps unsent messages across reloads (localStorage in the browser). */
  storage: OutboxStorage
  clock?: Clock
  /** Where dropped live data is reported. */
  log?: (message: string, detail?: unknown) => void
}

type LiveEvent = { data: unknown; from: string }

/**
 * One room's chat, without React: live messages over the transport, writes through the outbox,
 * history and gap fill over HTTP, all merged into one timeline. The UI subscribes to snapshots.
 */
export class ChatClient {
  readonly #options: ChatClientOptions
  readonly #clock: Clock
  readonly #log: (message: string, detail?: unknown) => void
  readonly #timeline: Timeline
  readonly #outbox: Outbox
  readonly #typing: TypingNotifier
  readonly #roster: TypingRoster
  readonly #listeners = new Set<() => void>()
  readonly #unsubscribe: (() => void)[] = []
  /** Live data that arrived before the first history page: applied right after it. */
  #beforeHistory: LiveEvent[] | undefined = []
  /** Envelopes that could not go out while disconnected: sent on reconnect. */
  #unsent: LiveEnvelope[] = []
  /** Own messages too large for the channel: announced by id once written. */
  readonly #announceWhenStored = new Set<string>()
  #connection: ConnectionState = 'connecting'
  #history: ChatSnapshot['history'] = { loaded: false, hasOlder: false, loading: true }
  /** The catch-up in flight, and the one queued behind it: a burst of announcements costs two. */
  #catchUp: Promise<void> | undefined
  #catchUpAgain: Promise<void> | undefined
  /**
   * The revision up to which this client has read the room's changes from the server (the newest
   * page, then catch-ups). Not advanced by own writes: their revisions can lie beyond changes
   * missed in a drop noticed late.
   */
  #syncedRevision = 0
  readonly #urls: UrlRefresher
  /** Everyone seen in the call, in the order first seen: who is "Ana" and who "Ana (2)". */
  readonly #seen: NamedPerson[] = []
  readonly #seenIds = new Set<string>()
  /** Messages as last handed out with their senders' labels (kept while nothing changes). */
  #labeled: { list: readonly TimelineMessage[]; key: string; messages: readonly TimelineMessage[] }
  readonly #labeledMessage = new WeakMap<TimelineMessage, TimelineMessage>()
  #snapshot: ChatSnapshot
  #disposed = false

  constructor(options: ChatClientOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    this.#log = options.log ?? ((message, detail) => console.warn(`chat: ${message}`, detail))
    this.#timeline = new Timeline({ ownUserId: options.user.id })
    this.#roster = new TypingRoster({ clock: this.#clock, onChange: () => this.#changed() })
    this.#typing = new TypingNotifier({
      clock: this.#clock,
      send: (typing) => this.#sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'typing', typing }),
    })
    this.#outbox = new Outbox({
      storage: options.storage,
      storageKey: `backchannel.outbox.${options.room}.${options.user.id}`,
      clock: this.#clock,
      persist: (entry) =>
        options.api.persistMessage({
          id: entry.id,
          body: entry.body,
          attachments: entry.attachments,
        }),
      onChange: (entry, stored) => this.#outboxChanged(entry, stored),
    })
    this.#urls = new UrlRefresher({
      clock: this.#clock,
      shown: () => this.#timeline.list().map((message) => message.attachments),
      sign: (files) => options.api.signAttachments(files),
      apply: (signed) => {
        if (this.#timeline.replaceUrls(signed) > 0) this.#changed()
      },
      log: this.#log,
    })
    this.#labeled = { list: [], key: '', messages: [] }
    this.#snapshot = this.#buildSnapshot()
  }

  /** Joins the live channel, loads the newest history page and resumes unsent messages. */
  async start(): Promise<void> {
    const { transport } = this.#options
    this.#unsubscribe.push(
      transport.on('message', (data, from) => this.#received({ data, from })),
      transport.on('participant-joined', () => this.#changed()),
      transport.on('participant-left', (participant) => {
        this.#roster.clear(participant.sessionId)
        this.#changed()
      }),
      transport.on('connection', (state) => this.#connectionChanged(state)),
    )
    await transport.join()
    if (this.#disposed) return
    this.#connection = 'connected'
    this.#changed()
    await this.#loadNewestPage()
    this.#outbox.resume()
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The current state; the same object until something changes. */
  getSnapshot = (): ChatSnapshot => this.#snapshot

  /**
   * Shows the message at once, sends it live and writes it, in parallel: live delivery never
   * waits for the write. `attachments` are files already uploaded; `previews` shows them here
   * until the function hands back URLs. Returns why not, for a message that is none.
   */
  send(
    text: string,
    attachments: readonly Attachment[] = [],
    previews: readonly (string | undefined)[] = [],
  ): { ok: true; id: string } | { ok: false; error: string } {
    const body = messageTextSchema.safeParse(text)
    if (!body.success) return { ok: false, error: body.error.issues[0]?.message ?? 'Invalid.' }
    if (body.data === '' && attachments.length === 0) {
      return { ok: false, error: 'The message is empty.' }
    }
    // Bound to this user: nobody else can claim it first, live or in a write.
    const id = newMessageId(this.#options.user.id)
    const createdAt = new Date(this.#clock.now()).toISOString()
    this.#timeline.addUnsaved({
      id,
      sender: this.#options.user,
      body: body.data,
      attachments: attachments.map((file, index) => ({ ...file, url: previews[index] })),
      createdAt,
      status: 'sending',
      own: true,
    })
    this.#typing.stop()
    const envelope: LiveEnvelope = {
      v: LIVE_PROTOCOL_VERSION,
      type: 'chat',
      id,
      body: body.data,
      ...(attachments.length > 0 ? { attachments: [...attachments] } : {}),
      createdAt,
    }
    if (fitsLiveChannel(envelope)) this.#sendLive(envelope)
    else this.#announceWhenStored.add(id)
    this.#outbox.add({
      id,
      room: this.#options.room,
      body: body.data,
      attachments: [...attachments],
      createdAt,
    })
    this.#changed()
    return { ok: true, id }
  }

  /** Tries a message the outbox gave up on again. */
  retry(id: string): void {
    this.#outbox.retry(id)
  }

  /** The composer's text changed: tells the others we are typing, at most once per 2 s. */
  inputChanged(text: string): void {
    this.#typing.input(text)
  }

  /** Loads the page of history before the oldest message shown. */
  async loadOlder(): Promise<void> {
    const before = this.#timeline.oldestSeq()
    if (!this.#history.hasOlder || this.#history.loading || before === undefined) return
    this.#history = { ...this.#history, loading: true, error: undefined }
    this.#changed()
    try {
      const page = await this.#options.api.loadHistoryPage({ before, limit: HISTORY_PAGE_SIZE })
      this.#addStored(page.messages)
      this.#history = { ...this.#history, hasOlder: page.hasMore, loading: false }
    } catch (error) {
      this.#history = { ...this.#history, loading: false, error: (error as Error).message }
    }
    this.#changed()
  }

  /** Leaves the channel and stops every timer; unsent messages stay in storage. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#typing.stop()
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
    this.#outbox.dispose()
    this.#roster.dispose()
    this.#urls.dispose()
    this.#listeners.clear()
    await this.#options.transport.leave()
  }

  async #loadNewestPage(): Promise<void> {
    try {
      const page = await this.#options.api.loadHistoryPage({ limit: HISTORY_PAGE_SIZE })
      this.#addStored(page.messages)
      this.#syncedRevision = page.revision
      this.#history = { loaded: true, hasOlder: page.hasMore, loading: false }
    } catch (error) {
      this.#history = {
        loaded: true,
        hasOlder: false,
        loading: false,
        error: (error as Error).message,
      }
    }
    // Unsent messages from before a reload come after the history they followed, before news.
    for (const entry of this.#outbox.entries()) {
      this.#timeline.addUnsaved({
        id: entry.id,
        sender: this.#options.user,
        body: entry.body,
        attachments: entry.attachments,
        createdAt: entry.createdAt,
        status: entry.state === 'failed' ? 'failed' : 'retrying',
        own: true,
        error: entry.error,
      })
    }
    const waiting = this.#beforeHistory ?? []
    this.#beforeHistory = undefined
    for (const event of waiting) this.#received(event)
    this.#changed()
  }

  #received(event: LiveEvent): void {
    if (this.#beforeHistory) {
      this.#beforeHistory.push(event)
      return
    }
    const { data, from } = event
    const sender = this.#senderOf(from)
    const envelope = liveEnvelopeSchema.safeParse(data)
    if (envelope.success) {
      this.#receivedEnvelope(envelope.data, from, sender)
      return
    }
    const prebuilt = parsePrebuiltChat(data)
    if (prebuilt) {
      this.#roster.clear(from)
      this.#timeline.addUnsaved({
        id: crypto.randomUUID(),
        sender: {
          id: sender.id,
          name: sender.known ? sender.name : (prebuilt.name ?? sender.name),
        },
        body: prebuilt.body,
        attachments: [],
        createdAt: new Date(this.#clock.now()).toISOString(),
        status: 'not-saved',
        own: false,
      })
      this.#changed()
      return
    }
    this.#log('dropped a live message that is not a valid envelope', { from, data })
  }

  #receivedEnvelope(
    envelope: LiveEnvelope,
    from: string,
    sender: { id: string; name: string },
  ): void {
    switch (envelope.type) {
      case 'typing':
        this.#roster.signal(from, sender.name, envelope.typing)
        return
      case 'chat':
        this.#roster.clear(from)
        if (!this.#isSendersId(envelope, from, sender)) return
        if (
          this.#timeline.addUnsaved({
            id: envelope.id,
            sender: { id: sender.id, name: sender.name },
            body: envelope.body,
            attachments: envelope.attachments ?? [],
            createdAt: envelope.createdAt,
            status: 'live',
            own: sender.id === this.#options.user.id,
          }) &&
          envelope.attachments?.length
        ) {
          this.#signLiveAttachments(envelope.id, envelope.attachments)
        }
        this.#changed()
        return
      case 'changed':
        // The changes feed says what happened (edit or deletion) without asking for a message
        // that may be gone, and catches anything else missed on the way.
        void this.sync()
        return
      case 'chat-ref':
        this.#roster.clear(from)
        this.#changed()
        // Stored before it was announced: the changes feed brings it, and a burst of
        // announcements shares one catch-up instead of a request each.
        if (this.#isSendersId(envelope, from, sender)) void this.sync()
    }
  }

  /**
   * Whether a message's id is one its sender (as the transport knows them) made: anything else
   * is someone showing a message under another's id, and is dropped.
   */
  #isSendersId(envelope: { id: string; type: string }, from: string, sender: { id: string }) {
    if (isMessageIdOf(envelope.id, sender.id)) return true
    this.#log("dropped a live message whose id is not its sender's", {
      from,
      type: envelope.type,
      id: envelope.id,
    })
    return false
  }

  /** Live messages carry files without URLs: the function signs them for this room's members. */
  #signLiveAttachments(id: string, attachments: readonly Attachment[]): void {
    this.#options.api.signAttachments(attachments).then(
      (signed) => {
        if (this.#disposed) return
        this.#timeline.setAttachments(id, signed)
        this.#urls.note(signed)
        this.#changed()
      },
      (error) => this.#log(`could not get the files of message ${id}`, error),
    )
  }

  /** Who sent live data: from the transport's participants, never from the data itself. */
  #senderOf(sessionId: string): { id: string; name: string; known: boolean } {
    if (sessionId === API_SESSION_ID) return { id: API_SESSION_ID, name: 'Room', known: true }
    const participant = this.#options.transport
      .participants()
      .find((candidate) => candidate.sessionId === sessionId)
    return participant
      ? { id: participant.userId, name: participant.userName, known: true }
      : { id: `session:${sessionId}`, name: 'Unknown participant', known: false }
  }

  #connectionChanged(state: ConnectionState): void {
    const wasInterrupted = this.#connection === 'interrupted'
    this.#connection = state
    this.#changed()
    if (state !== 'connected' || !wasInterrupted) return
    const unsent = this.#unsent
    this.#unsent = []
    for (const envelope of unsent) this.#sendLive(envelope)
    void this.sync()
  }

  /**
   * Reads everything written, edited or deleted since this client last read the room: what was
   * said while away, and deletions made by others (a room owner, or ops in Studio). Messages
   * already shown come back too; the timeline merges them by id.
   */
  sync(): Promise<void> {
    if (!this.#history.loaded || this.#disposed) return Promise.resolve()
    if (this.#catchUp) {
      // What is being read may predate what was asked for now: one more read after it, shared
      // by everyone who asks meanwhile.
      this.#catchUpAgain ??= this.#catchUp.then(() => {
        this.#catchUpAgain = undefined
        return this.sync()
      })
      return this.#catchUpAgain
    }
    const run = this.#catchUpOnce().finally(() => {
      this.#catchUp = undefined
    })
    this.#catchUp = run
    return run
  }

  async #catchUpOnce(): Promise<void> {
    try {
      for (;;) {
        const page = await this.#options.api.loadChanges({
          since: this.#syncedRevision,
          limit: CATCH_UP_PAGE_SIZE,
        })
        if (this.#disposed) return
        this.#stored(
          page.changes.flatMap((change) => (change.type === 'message' ? [change.message] : [])),
        )
        for (const change of page.changes) {
          if (change.type === 'deleted') this.#timeline.markDeleted(change.id)
        }
        this.#forgetPurged(page.firstSeq)
        this.#syncedRevision = page.revision
        this.#changed()
        if (!page.hasMore) break
      }
    } catch (error) {
      this.#log('could not catch up with the room', error)
    }
  }

  /** Retention removed messages for good (no change says so): whatever is below firstSeq goes. */
  #forgetPurged(firstSeq: number | null): void {
    if (!this.#timeline.forgetStoredBefore(firstSeq)) return
    const oldest = this.#timeline.oldestSeq()
    if (firstSeq === null || oldest === undefined || oldest <= firstSeq) {
      this.#history = { ...this.#history, hasOlder: false }
    }
  }

  /** Changes the text of an own message; others see it live. Returns why not. */
  async edit(id: string, text: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const message = this.#timeline.get(id)
    if (!message?.own || message.seq === undefined) {
      return { ok: false, error: 'Only your own saved messages can be edited.' }
    }
    const body = messageTextSchema.safeParse(text)
    if (!body.success) return { ok: false, error: body.error.issues[0]?.message ?? 'Invalid.' }
    if (body.data === '' && message.attachments.length === 0) {
      return { ok: false, error: 'The message is empty.' }
    }
    try {
      this.#stored([await this.#options.api.editMessage(id, body.data)])
    } catch (error) {
      return { ok: false, error: (error as Error).message }
    }
    this.#sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'changed', id })
    return { ok: true }
  }

  /** Deletes a message (own, or anyone's for a room owner); others see it live. Returns why not. */
  async remove(id: string): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      await this.#options.api.deleteMessage(id)
    } catch (error) {
      return { ok: false, error: (error as Error).message }
    }
    this.#timeline.markDeleted(id)
    this.#changed()
    this.#sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'changed', id })
    return { ok: true }
  }

  /**
   * Whether this user may edit (`edit`) or delete (`remove`) a message shown: their own once
   * stored; for a room owner, anyone's, including one just received live (stored by then, or the
   * deletion says it is not yet).
   */
  can(action: 'edit' | 'remove', message: TimelineMessage): boolean {
    if (message.deleted) return false
    if (message.own) return message.seq !== undefined
    return (
      action === 'remove' &&
      this.#options.owner === true &&
      (message.seq !== undefined || message.status === 'live')
    )
  }

  #sendLive(envelope: LiveEnvelope): void {
    try {
      this.#options.transport.send(envelope)
    } catch (error) {
      if (error instanceof TransportError && error.code === 'not_joined') {
        // Typing is stale by the time we reconnect; messages are not.
        if (envelope.type !== 'typing') this.#unsent.push(envelope)
        return
      }
      this.#log('could not send live', error)
    }
  }

  #outboxChanged(entry: OutboxEntry, stored?: StoredMessage): void {
    if (stored) {
      this.#stored([stored])
      if (this.#announceWhenStored.delete(entry.id)) {
        this.#sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'chat-ref', id: entry.id })
      }
      return
    }
    if (entry.state === 'failed') this.#timeline.setStatus(entry.id, 'failed', entry.error)
    else if (entry.attempts > 0) this.#timeline.setStatus(entry.id, 'retrying', entry.error)
    this.#changed()
  }

  #stored(messages: readonly StoredMessage[]): void {
    if (this.#disposed) return
    this.#addStored(messages)
    this.#changed()
  }

  #addStored(messages: readonly StoredMessage[]): void {
    this.#timeline.addStored(messages)
    for (const message of messages) this.#urls.note(message.attachments)
  }

  #buildSnapshot(): ChatSnapshot {
    const participants = this.#options.transport.participants()
    for (const participant of participants) {
      if (this.#seenIds.has(participant.userId)) continue
      this.#seenIds.add(participant.userId)
      this.#seen.push(participant)
    }
    const labels = distinctNames(this.#seen)
    return {
      messages: this.#labelSenders(this.#timeline.list(), labels),
      participants: participants.map((participant) => ({
        ...participant,
        label: labels.get(participant.userId) ?? participant.userName,
      })),
      typingLine: typingLine(this.#roster.names()),
      connection: this.#connection,
      history: this.#history,
    }
  }

  /**
   * The messages with each sender named by their label where it differs from their name. The same
   * array, and the same message objects, while neither the timeline nor the labels change.
   */
  #labelSenders(
    list: readonly TimelineMessage[],
    labels: ReadonlyMap<string, string>,
  ): readonly TimelineMessage[] {
    const renamed = [...this.#seen].filter(
      (person) => labels.get(person.userId) !== person.userName,
    )
    if (renamed.length === 0) return list
    const key = renamed.map((person) => `${person.userId}\n${labels.get(person.userId)}`).join('\n')
    if (this.#labeled.list === list && this.#labeled.key === key) return this.#labeled.messages
    const messages = list.map((message) => {
      const label = labels.get(message.sender.id)
      if (label === undefined || label === message.sender.name) return message
      const cached = this.#labeledMessage.get(message)
      if (cached?.sender.name === label) return cached
      const labeled = { ...message, sender: { ...message.sender, name: label } }
      this.#labeledMessage.set(message, labeled)
      return labeled
    })
    this.#labeled = { list, key, messages }
    return messages
  }

  #changed(): void {
    if (this.#disposed) return
    this.#snapshot = this.#buildSnapshot()
    for (const listener of this.#listeners) listener()
  }
}

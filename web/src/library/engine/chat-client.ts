import {
  type Attachment,
  type ChatUser,
  LIVE_PROTOCOL_VERSION,
  type LiveEnvelope,
  type Mention,
  type RoomSettings,
  type StoredMessage,
} from '@shared/protocol.ts'
import { changedNotice, MessageChanges } from '../features/editing/engine.ts'
import {
  AlertSettingsStore,
  type MentionCandidate,
  mentionCandidates,
} from '../features/mentions/engine.ts'
import { PinBoard, pinMessage } from '../features/pins/engine.ts'
import { checkPoll, Polls } from '../features/polls/engine.ts'
import { QuestionBoard } from '../features/questions/engine.ts'
import { MessageReactions } from '../features/reactions/engine.ts'
import { ReplyDraft, type ReplyQuote, ReplyQuotes } from '../features/replies/engine.ts'
import { MessageReports } from '../features/reports/engine.ts'
import { RoomRules } from '../features/room-rules/engine.ts'
import { MessageSearch } from '../features/search/engine.ts'
import { Typing } from '../features/typing/engine.ts'
import { ArrivalLog, type Arrivals, ReadPosition } from '../features/unread/engine.ts'
import { AttachmentUrls } from '../features/uploads/engine.ts'
import type { RoomApi } from './chat-api.ts'
import { type Clock, systemClock } from './clock.ts'
import type { CallRecording, ChatTransport, ConnectionState } from './live-channel.ts'
import { LiveInbox } from './live-inbox.ts'
import { LiveMessages } from './live-messages.ts'
import { LiveSender } from './live-sender.ts'
import type { OutboxStorage } from './outbox.ts'
import { OwnMessages } from './own-messages.ts'
import { type ChatParticipant, People, type PeopleSnapshot } from './people.ts'
import { prebuiltChatFor, sendToPrebuilt, storePrebuiltMessage } from './prebuilt-chat.ts'
import { presentMessage } from './present-message.ts'
import { type Result, refused } from './result.ts'
import { type RoomStateFeature, roomStateNotice } from './room-state-feature.ts'
import { type HistoryState, RoomSync } from './room-sync.ts'
import { type ReadableStore, Store } from './store.ts'
import { type MessageView, Timeline, type TimelineMessage } from './timeline.ts'

export type { MentionCandidate } from '../features/mentions/engine.ts'
export type { Arrivals } from '../features/unread/engine.ts'
export type { ChatParticipant } from './people.ts'

/**
 * Everything at once, for tests and for a host that wants one object: built only when read, by
 * reading every store, so its cost grows with the history. The column reads the stores.
 */
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
  history: HistoryState
  /** What replies quote, by the id of the message they reply to (see TimelineMessage.replyTo). */
  quotes: ReadonlyMap<string, ReplyQuote>
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
  /**
   * Daily Prebuilt's chat both ways, for calls where some people use Prebuilt's own UI: messages
   * to the room are copied to Prebuilt's chat, and Prebuilt's chat is stored (docs/prebuilt.md).
   */
  prebuiltChat?: boolean
}

/**
 * One room's chat, without React: live messages over the transport, writes through the outbox,
 * history and gap fill over HTTP, all merged into one timeline. Its state is a store per concern
 * (`messages`, `people`, `typing`, `connection`, `history`, and each feature's), so a typing
 * notice or a join never touches the messages, and a new message costs the same in a long
 * history as in a short one. The jobs live apart (LiveInbox, RoomSync, OwnMessages,
 * MessageChanges, AttachmentUrls, People, ArrivalLog); this class wires them to one timeline.
 */
export class ChatClient {
  readonly #transport: ChatTransport
  readonly #api: RoomApi
  readonly #userId: string
  readonly #timeline: Timeline
  readonly #typing: Typing
  readonly #live: LiveSender
  readonly #inbox: LiveInbox
  readonly #sync: RoomSync
  readonly #own: OwnMessages
  readonly #changes: MessageChanges
  readonly #urls: AttachmentUrls
  readonly #arrivals = new ArrivalLog()
  readonly #reactions: MessageReactions
  readonly #messages: Store<MessageView>
  readonly #connection = new Store<ConnectionState>('connecting')
  readonly #history: Store<HistoryState>
  /** The conversation in order, read by position or id (see MessageView). */
  readonly messages: ReadableStore<MessageView>
  /** Who is in the call, everyone's label, who has written. */
  readonly people = new People()
  /** "Ana is typing…", or ''. */
  readonly typing: ReadableStore<string>
  readonly connection: ReadableStore<ConnectionState> = this.#connection
  readonly #recording = new Store<CallRecording | undefined>(undefined)
  /** The call's latest recording, once the transport reports one (Daily): subtitles time from it. */
  readonly recording: ReadableStore<CallRecording | undefined> = this.#recording
  /** Older history: whether there is more, whether a page is loading, why it failed. */
  readonly history: ReadableStore<HistoryState>
  /** What replies quote: `quote(parentId, parent)`, fetching parents not shown. */
  readonly quotes: ReplyQuotes
  /** This user's id (from the token). */
  readonly userId: string
  /** The message the next one replies to ("Replying to Ana" above the Message field). */
  readonly replyDraft = new ReplyDraft()
  /**
   * Which messages are new, counted once for the unread count, the list's "New messages" and
   * the screen-reader announcements; it changes with the snapshot's messages.
   */
  readonly arrivals: ReadableStore<Arrivals> = this.#arrivals
  /** How far this user has read in this room, kept across reloads (the list's unread divider). */
  readonly readPosition: ReadPosition
  /** Whether a mention while the tab is hidden plays a sound; kept across reloads and rooms. */
  readonly alertSettings: AlertSettingsStore
  /** Searching the room's messages (the column's "Search messages" field). */
  readonly search: MessageSearch
  /** The messages this user reported here (their ids); `report` adds one. */
  readonly reports: MessageReports
  /** The room's chat settings, what they let this user send now, and saving them (owners). */
  readonly rules: RoomRules
  /** The room's pinned messages, the newest pin first (the column's pin bar). */
  readonly pins: PinBoard
  /** Voting in the room's polls and closing them (see startPoll for starting one). */
  readonly polls: Polls
  /** The room's Q&A board, live from the function, and asking, voting and answering. */
  readonly questions: QuestionBoard
  /** The last ChatSnapshot built, and the stores' snapshots it was built from. */
  #snapshot: { from: readonly unknown[]; snapshot: ChatSnapshot } | undefined
  /** The messages of the last ChatSnapshot, kept while neither the messages nor people change. */
  #presented:
    | { view: MessageView; people: PeopleSnapshot; messages: readonly TimelineMessage[] }
    | undefined
  readonly #unsubscribe: (() => void)[] = []
  /** Read at start and at every catch-up, and when their notices come (see RoomStateFeature). */
  readonly #roomState: RoomStateFeature[] = []
  #disposed = false

  constructor(options: ChatClientOptions) {
    const clock = options.clock ?? systemClock
    const log = options.log ?? ((message, detail) => console.warn(`chat: ${message}`, detail))
    const changed = () => this.#changed()
    const disposed = () => this.#disposed
    const stored = (messages: readonly StoredMessage[]) => this.#stored(messages)
    const timeline = new Timeline({ ownUserId: options.user.id, ownUserName: options.user.name })
    this.#transport = options.transport
    this.#userId = options.user.id
    this.userId = options.user.id
    this.#api = options.api
    this.#timeline = timeline
    this.#live = new LiveSender(options.transport, log)
    // Private messages, and news of them, go only to the two people's sessions.
    const sendLive = (envelope: LiveEnvelope) =>
      this.#live.send(envelope, this.#audienceOf(envelope))
    const catchUp = () => this.#sync.sync()
    const messages = new LiveMessages({
      user: options.user,
      timeline,
      clock,
      changed,
      sync: catchUp,
      signLive: (id, files) => this.#urls.signLive(id, files),
      rules: {
        takesLiveMessage: (sender, message) => this.rules.takesLiveMessage(sender, message),
      },
      messageFrom: (sessionId) => this.#typing.ended(sessionId),
      ...(options.prebuiltChat
        ? {
            prebuilt: {
              room: options.room,
              store: (request) => storePrebuiltMessage(options.api, request),
              stored: (message) => stored([message]),
            },
          }
        : {}),
      log,
    })
    this.#inbox = new LiveInbox({
      owner: options.owner === true,
      transport: options.transport,
      prebuilt: (chat, from) => messages.receivedPrebuilt(chat, from),
      log,
    })
    /**
     * Registers a feature that keeps room state (see RoomStateFeature): read at start and at
     * every catch-up, and again when its live notice comes.
     */
    const roomState = <Feature extends RoomStateFeature>(feature: Feature): Feature => {
      this.#roomState.push(feature)
      const notice = roomStateNotice(feature, catchUp)
      if (notice) this.#inbox.register(notice)
      return feature
    }
    this.#urls = new AttachmentUrls({ api: options.api, timeline, clock, changed, disposed, log })
    this.quotes = new ReplyQuotes({ api: options.api, disposed, log })
    this.#sync = new RoomSync({
      api: options.api,
      timeline,
      addStored: (messages, older) => this.#addStored(messages, older),
      changed,
      disposed,
      log,
    })
    this.search = new MessageSearch({ api: options.api, clock })
    // The features that keep room state beside the messages: one line each builds and registers them.
    this.rules = roomState(
      new RoomRules({ api: options.api, owner: options.owner === true, clock, log }),
    )
    this.pins = roomState(new PinBoard({ api: options.api, log }))
    this.reports = roomState(new MessageReports({ api: options.api, userId: options.user.id, log }))
    this.questions = roomState(
      new QuestionBoard({
        api: options.api,
        userId: options.user.id,
        owner: options.owner === true,
        needApproval: () => this.rules.getSnapshot().settings.questions?.needApproval === true,
        clock,
        log,
      }),
    )
    this.#typing = new Typing({
      clock,
      userId: options.user.id,
      send: (envelope, audience) => this.#live.send(envelope, audience),
      rules: this.rules,
    })
    this.typing = this.#typing.line
    this.polls = new Polls({
      api: options.api,
      userId: options.user.id,
      owner: options.owner === true,
      message: (id) => timeline.get(id),
      stored,
      sendLive,
      sync: catchUp,
    })
    // The live envelopes the engine and the features read: one line registers a kind.
    this.#inbox.register(messages.chat, messages.chatRef)
    this.#inbox.register(this.#typing.notice)
    this.#inbox.register(changedNotice(catchUp))
    this.#inbox.register(this.questions.live)
    this.#reactions = new MessageReactions({
      api: options.api,
      timeline,
      sendLive,
      stored,
      sync: () => this.#sync.sync(),
    })
    this.#own = new OwnMessages({
      room: options.room,
      user: options.user,
      api: options.api,
      storage: options.storage,
      clock,
      timeline,
      sendLive,
      awaitsApproval: (isPrivate) => !isPrivate && this.rules.awaitsApproval(),
      stopTyping: (live) => this.#typing.sent(live),
      stored,
      changed,
      ...(options.prebuiltChat
        ? {
            toPrebuilt: (message) =>
              sendToPrebuilt(
                options.transport,
                prebuiltChatFor({ ...message, name: options.user.name }, clock.now()),
                log,
              ),
          }
        : {}),
    })
    this.#changes = new MessageChanges({
      api: options.api,
      timeline,
      owner: options.owner === true,
      sendLive,
      stored,
      changed,
    })
    this.readPosition = new ReadPosition({
      storage: options.storage,
      room: options.room,
      userId: options.user.id,
    })
    this.alertSettings = new AlertSettingsStore(options.storage)
    this.#messages = new Store(timeline.messages())
    this.messages = this.#messages
    this.#history = new Store(this.#sync.history)
    this.history = this.#history
    this.people.seeParticipants(options.transport.participants())
  }

  /** Joins the live channel, loads the newest history page and resumes unsent messages. */
  async start(): Promise<void> {
    const transport = this.#transport
    this.#unsubscribe.push(
      transport.on('message', (data, from) => this.#inbox.received(data, from)),
      transport.on('participant-joined', () => this.#peopleChanged()),
      transport.on('participant-left', (participant) => {
        this.#typing.ended(participant.sessionId)
        this.#peopleChanged()
      }),
      transport.on('connection', (state) => this.#connectionChanged(state)),
      transport.on('recording', (recording) => this.#recording.set(recording)),
    )
    await transport.join()
    if (this.#disposed) return
    this.#connection.set('connected')
    // Whoever was in the call already: from here on, joins and leaves say who comes and goes.
    this.#peopleChanged()
    this.#changed()
    // The settings before live messages are taken: they decide which ones the room allows.
    await Promise.all([this.#sync.loadNewest(), this.#refreshRoomState()])
    // Unsent messages from before a reload come after the history they followed, before news.
    this.#own.showUnsent()
    this.#inbox.open()
    this.#changed()
    this.#own.resume()
  }

  /** Calls `listener` after any change of any of the stores that make up the ChatSnapshot. */
  subscribe = (listener: () => void): (() => void) => {
    const stores = [this.messages, this.people, this.typing, this.connection, this.history]
    const unsubscribes = [...stores, this.quotes].map((store) => store.subscribe(listener))
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe()
    }
  }

  /** Everything at once (see ChatSnapshot); the same object until something changes. */
  getSnapshot = (): ChatSnapshot => {
    const from = [
      this.messages.getSnapshot(),
      this.people.getSnapshot(),
      this.typing.getSnapshot(),
      this.connection.getSnapshot(),
      this.history.getSnapshot(),
      this.quotes.getSnapshot(),
    ] as const
    const last = this.#snapshot
    if (last?.from.every((part, index) => part === from[index])) return last.snapshot
    const [view, people, typing, connection, history] = from
    let presented = this.#presented
    if (presented?.view !== view || presented.people !== people) {
      const messages = view.list().map((message) => presentMessage(message, people, this.userId))
      presented = { view, people, messages }
      this.#presented = presented
    }
    const { messages } = presented
    const quotes = new Map<string, ReplyQuote>()
    for (const message of messages) {
      const parent = message.replyTo
      if (parent && !message.deleted && !quotes.has(parent)) {
        quotes.set(parent, this.quotes.quote(parent, view.get(parent)))
      }
    }
    const snapshot: ChatSnapshot = {
      messages,
      participants: people.participants,
      typingLine: typing,
      connection,
      history,
      quotes,
    }
    this.#snapshot = { from, snapshot }
    return snapshot
  }

  /**
   * Shows the message at once, sends it live and writes it, in parallel: live delivery never
   * waits for the write. `attachments` are files already uploaded; `previews` shows them here
   * until the function hands back URLs. It replies to the reply draft's message, if any, and
   * ends the draft. `mentions` are the people picked while typing; those whose `@name` the text
   * still says are mentioned. `to`: a private message for this one person (a reply to a private
   * message always goes privately to its other person). Returns why not, for a message that is
   * none.
   */
  send(
    text: string,
    attachments: readonly Attachment[] = [],
    previews: readonly (string | undefined)[] = [],
    mentions: readonly Mention[] = [],
    to?: { id: string; name: string },
  ): Result<{ id: string }> {
    const recipient = this.replyDraft.getSnapshot().target?.privately ?? to
    const refusal = this.rules.refusal({ private: recipient !== undefined })
    if (refusal) return refused(refusal)
    const sent = this.#own.send(text, attachments, previews, {
      replyTo: this.replyDraft.replyTo,
      mentions,
      ...(recipient ? { to: recipient.id, toName: recipient.name } : {}),
    })
    if (sent.ok) {
      this.replyDraft.cancel()
      this.rules.sent()
    }
    return sent
  }

  /**
   * Starts a poll for the room: a message whose text is the question, with 2 to 10 options,
   * shown, sent live and written like any message (and under the same settings). Returns why not.
   */
  startPoll(question: string, options: readonly string[]): Result<{ id: string }> {
    const checked = checkPoll(question, options)
    if (!checked.ok) return checked
    const refusal = this.rules.refusal({ private: false })
    if (refusal) return refused(refusal)
    const sent = this.#own.send(question, [], [], { poll: checked.poll })
    if (sent.ok) this.rules.sent()
    return sent
  }

  /**
   * Makes the message `id` part of the timeline, loading older pages until it is there (as far
   * back as the message's own seq, fetched first, and no further). Resolves false when it is not
   * to be had: unknown, purged, deleted before it was ever shown here, or history failing.
   */
  reveal = async (id: string): Promise<boolean> => {
    const timeline = this.#timeline
    if (timeline.has(id)) return true
    const seq = await this.quotes.seqOf(id)
    while (seq !== undefined && !timeline.has(id) && !this.#disposed) {
      const oldest = timeline.oldestSeq()
      const { hasOlder, error } = this.#sync.history
      if (!hasOlder || error || oldest === undefined || oldest <= seq) return false
      await this.#sync.loadOlder()
      // No page came (it failed, or history ended): nothing more to look through.
      if (timeline.oldestSeq() === oldest) return timeline.has(id)
    }
    return timeline.has(id)
  }

  /**
   * The people to suggest while `@query` is typed: those in the call, then recent senders, never
   * this user (see mentionCandidates).
   */
  mentionCandidates = (query: string): MentionCandidate[] => {
    const people = this.people.getSnapshot()
    // Each sender's latest message still shown, oldest first, as their sender is shown.
    const messages = [...people.senders.values()]
      .filter((message) => !this.#timeline.get(message.id)?.deleted)
      .sort((a, b) => (a.seq ?? Number.MAX_VALUE) - (b.seq ?? Number.MAX_VALUE))
      .map((message) => presentMessage(message, people, this.#userId))
    return mentionCandidates(query, { participants: people.participants, messages }, this.#userId)
  }

  /** Tries a message the outbox gave up on again. */
  retry(id: string): void {
    this.#own.retry(id)
  }

  /**
   * The composer's text changed: tells the others we are typing, at most once per 2 s; only the
   * recipient (`to`, a user id) when it is a private message, or a reply to one.
   */
  inputChanged(text: string, to?: string): void {
    this.#typing.input(text, this.replyDraft.getSnapshot().target?.privately?.id ?? to)
  }

  /** Loads the page of history before the oldest message shown. */
  loadOlder(): Promise<void> {
    return this.#sync.loadOlder()
  }

  /**
   * Reads everything written, edited or deleted since this client last read the room: what was
   * said while away, and deletions made by others (a room owner, or ops in Studio); and the
   * room's settings.
   */
  async sync(): Promise<void> {
    await Promise.all([this.#sync.sync(), this.#refreshRoomState()])
  }

  /** What the room keeps besides its messages: its settings, its pins, the reports… */
  async #refreshRoomState(): Promise<void> {
    await Promise.all(this.#roomState.map((feature) => feature.refresh()))
  }

  /**
   * Pins (`on`) or unpins a message for everyone (owners only); everyone in the call reads the
   * pins again. Returns why not.
   */
  async pin(id: string, on: boolean): Promise<Result> {
    try {
      this.#stored([await pinMessage(this.#api, id, on)])
    } catch (error) {
      return refused((error as Error).message)
    }
    this.#live.send({ v: LIVE_PROTOCOL_VERSION, type: 'pins' })
    await this.pins.refresh()
    return { ok: true }
  }

  /** Whether this user may pin or unpin a message shown: an owner, a message for the room. */
  canPin(message: TimelineMessage): boolean {
    return (
      this.rules.getSnapshot().owner &&
      !message.deleted &&
      message.to === undefined &&
      (message.status === 'saved' || message.status === 'live')
    )
  }

  /**
   * Changes the room's chat settings (owners only) and tells everyone in the call to read them.
   * Returns why not.
   */
  async saveSettings(settings: RoomSettings): Promise<Result> {
    const error = await this.rules.save(settings)
    if (error) return refused(error)
    this.#live.send({ v: LIVE_PROTOCOL_VERSION, type: 'settings' })
    return { ok: true }
  }

  /** Changes the text of an own message; others see it live. Returns why not. */
  edit(id: string, text: string): Promise<Result> {
    return this.#changes.edit(id, text)
  }

  /** Deletes a message (own, or anyone's for a room owner); others see it live. Returns why not. */
  remove(id: string): Promise<Result> {
    return this.#changes.remove(id)
  }

  /**
   * Whether this user may edit (`edit`) or delete (`remove`) a message shown: their own once
   * stored; for a room owner, anyone's, including one just received live.
   */
  can(action: 'edit' | 'remove', message: TimelineMessage): boolean {
    return this.#changes.can(action, message)
  }

  /**
   * Adds (`on`) or takes back this user's reaction `emoji` to a message; others see it live, read
   * from the function. Resolves once the timeline shows the function's state. Returns why not.
   */
  react(id: string, emoji: string, on: boolean): Promise<Result> {
    return this.#reactions.react(id, emoji, on)
  }

  /**
   * Reports someone else's message with a reason (for the room's owners and ops); the owners in
   * the call are told to read the reports again.
   */
  async report(id: string, reason: string): Promise<Result> {
    const result = await this.reports.report(id, reason)
    if (!result.ok) return result
    const owners = this.#transport
      .participants()
      .filter((person) => person.owner === true)
      .map((person) => person.userId)
    if (owners.length > 0) this.#live.send({ v: LIVE_PROTOCOL_VERSION, type: 'reports' }, owners)
    return result
  }

  /** Whether this user may report a message shown (someone else's, not deleted). */
  canReport(message: TimelineMessage): boolean {
    return this.reports.can(message)
  }

  /** Whether a message shown can take reactions (stored, or received live; not deleted). */
  canReact(message: TimelineMessage): boolean {
    return this.#reactions.can(message)
  }

  /** Leaves the channel and stops every timer; unsent messages stay in storage. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    this.#typing.dispose()
    this.replyDraft.unsubscribeAll()
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
    this.#own.dispose()
    this.#urls.dispose()
    this.search.clear()
    this.search.unsubscribeAll()
    for (const store of [this.#messages, this.people, this.#connection]) {
      store.unsubscribeAll()
    }
    this.#history.unsubscribeAll()
    this.quotes.unsubscribeAll()
    this.questions.dispose()
    await this.#transport.leave()
  }

  /** Whose sessions get an envelope: for a private message and news of it, its two people. */
  #audienceOf(envelope: LiveEnvelope): readonly string[] | undefined {
    if (envelope.type === 'chat') {
      return envelope.to ? [envelope.to, this.#userId] : undefined
    }
    if (envelope.type !== 'changed' && envelope.type !== 'chat-ref') return undefined
    const message = this.#timeline.get(envelope.id)
    return message?.to ? [message.to, message.sender.id, this.#userId] : undefined
  }

  #connectionChanged(state: ConnectionState): void {
    const wasInterrupted = this.#connection.getSnapshot() === 'interrupted'
    this.#connection.set(state)
    // A channel back after a drop knows the call as it is now.
    this.#peopleChanged()
    this.#changed()
    if (state !== 'connected' || !wasInterrupted) return
    this.#live.flush()
    void this.sync()
  }

  #stored(messages: readonly StoredMessage[]): void {
    if (this.#disposed) return
    this.#addStored(messages)
    this.#changed()
  }

  #addStored(messages: readonly StoredMessage[], older = false): void {
    if (older) this.#arrivals.skip(messages.map((message) => message.id))
    this.#timeline.addStored(messages)
    for (const message of messages) this.#urls.note(message.attachments)
  }

  /**
   * Something may have changed: each store takes its part, and only those whose part changed tell
   * their readers. What joined the timeline is looked at, never the whole history.
   */
  #changed(): void {
    if (this.#disposed) return
    const added = this.#timeline.takeAdded()
    if (added.length > 0) {
      this.people.noteMessages(added)
      this.#arrivals.observe(added)
    }
    this.#messages.set(this.#timeline.messages())
    this.#history.set(this.#sync.history)
  }

  /** Someone joined or left the call. */
  #peopleChanged(): void {
    if (this.#disposed) return
    this.people.seeParticipants(this.#transport.participants())
  }
}

import {
  type Attachment,
  type ChatUser,
  isMessageIdOf,
  type LiveEnvelope,
  liveEnvelopeSchema,
  PREBUILT_SENDER_PREFIX,
  type PrebuiltMessageRequest,
  prebuiltMessageId,
  ROOM_SENDER_NAME,
  type StoredMessage,
} from '@shared/protocol.ts'
import type { RoomRules } from '../features/room-rules/room-rules.ts'
import type { TypingRoster } from '../features/typing/typing.ts'
import type { Clock } from './clock.ts'
import type { ChatTransport } from './live-channel.ts'
import { MergedRead } from './notice-merge.ts'
import {
  isBackchannelCopy,
  type PrebuiltChat,
  parsePrebuiltChat,
  prebuiltSenderName,
} from './prebuilt-chat.ts'
import type { RoomStateFeature, RoomStateNotice } from './room-state-feature.ts'
import { newPollShown, type Timeline } from './timeline.ts'

/** Messages sent with Daily's REST API arrive from this session id. */
const API_SESSION_ID = 'API'
/** Senders of live data that the transport does not know get an id with this prefix. */
const UNKNOWN_SENDER_PREFIX = 'session:'

/**
 * Whether a sender's id names a person: not the REST API ("Room"), not an unknown session, not
 * someone on Daily Prebuilt (whom nothing but their session names).
 */
export const isPersonId = (userId: string) =>
  userId !== API_SESSION_ID &&
  !userId.startsWith(UNKNOWN_SENDER_PREFIX) &&
  !userId.startsWith(PREBUILT_SENDER_PREFIX)

type LiveEvent = { data: unknown; from: string }
type Sender = { id: string; name: string; known: boolean; owner: boolean }

export interface LiveInboxOptions {
  /** This user: their messages from another tab are their own. */
  user: ChatUser
  /** Whether this user is a room owner: only owners are told of reports. */
  owner: boolean
  /** Who is in the call: the only source of who sent what. */
  transport: Pick<ChatTransport, 'participants'>
  timeline: Timeline
  roster: TypingRoster
  clock: Clock
  changed: () => void
  /** Reads what changed in the room (announced edits, deletions and large messages). */
  sync: () => Promise<void>
  /** Asks for the URLs of files announced live. */
  signLive: (id: string, attachments: readonly Attachment[]) => void
  /** Which live messages and typing the room's settings let through, and slow mode on receipt. */
  rules: Pick<RoomRules, 'takesLiveMessage' | 'takesTyping'>
  /** The features that keep room state, read again when their notice comes (see there). */
  roomState: readonly RoomStateFeature[]
  /**
   * Storing Daily Prebuilt's chat (the host's `prebuiltChat`): the room, the write, and where the
   * stored message goes. Without it Prebuilt's chat shows as not saved.
   */
  prebuilt?: {
    room: string
    store: (request: PrebuiltMessageRequest) => Promise<StoredMessage>
    stored: (message: StoredMessage) => void
  }
  log: (message: string, detail?: unknown) => void
}

/**
 * What arrives over the live channel: each envelope checked against the protocol, its sender taken
 * from the transport (never from the data), its id checked to be the sender's; anything else is
 * dropped and logged. Daily Prebuilt's chat shows too, and is stored once with an id every client
 * derives alike when the host asks for it (docs/prebuilt.md). Every kind of frame that
 * shows as a message passes one check of the room's settings and slow mode (`#takes`). Notices
 * that only owners send are taken from owners only, and each kind of notice costs at most the
 * read in flight and one more, however many arrive. Until the first history page is shown, what
 * arrives waits, so that it lands after the history it followed.
 */
export class LiveInbox {
  readonly #options: LiveInboxOptions
  /** Live data that arrived before the first history page: applied right after it. */
  #beforeHistory: LiveEvent[] | undefined = []
  /** The reads notices ask for, one merged read per kind, with who may send and who reads. */
  readonly #notices = new Map<
    RoomStateNotice,
    { read: MergedRead; notice: NonNullable<RoomStateFeature['notice']> }
  >()

  constructor(options: LiveInboxOptions) {
    this.#options = options
    for (const feature of options.roomState) {
      if (!feature.notice) continue
      const read = new MergedRead(() => feature.refresh())
      this.#notices.set(feature.notice.type, { read, notice: feature.notice })
    }
  }

  /** Data another session sent. */
  received(data: unknown, from: string): void {
    if (this.#beforeHistory) {
      this.#beforeHistory.push({ data, from })
      return
    }
    const sender = this.#senderOf(from)
    const envelope = liveEnvelopeSchema.safeParse(data)
    if (envelope.success) {
      this.#receivedEnvelope(envelope.data, from, sender)
      return
    }
    const prebuilt = parsePrebuiltChat(data)
    if (prebuilt) {
      this.#receivedPrebuilt(prebuilt, from, sender)
      return
    }
    // The sender's copy of its message for Prebuilt's people: its envelope came (or comes) too.
    if (isBackchannelCopy(data)) return
    this.#options.log('dropped a live message that is not a valid envelope', { from, data })
  }

  /** The first history page is shown: what arrived meanwhile goes in now, after it. */
  open(): void {
    const waiting = this.#beforeHistory ?? []
    this.#beforeHistory = undefined
    for (const event of waiting) this.received(event.data, event.from)
  }

  #receivedEnvelope(envelope: LiveEnvelope, from: string, sender: Sender): void {
    const { roster, timeline, user, changed, sync, signLive } = this.#options
    switch (envelope.type) {
      case 'typing':
        // Someone the settings keep from sending has nothing coming: no "is typing" either.
        if (envelope.typing && !this.#options.rules.takesTyping(this.#ruleSender(sender))) return
        roster.signal(from, sender.name, envelope.typing)
        return
      case 'chat':
        roster.clear(from)
        if (!this.#isSendersId(envelope, from, sender)) return
        // A private message is for its recipient (and the sender's other tabs), nobody else.
        if (envelope.to && envelope.to !== user.id && sender.id !== user.id) {
          this.#options.log('dropped a private live message for someone else', { from })
          return
        }
        if (!this.#takes(sender, { private: envelope.to !== undefined }, from, envelope)) {
          changed()
          return
        }
        if (
          timeline.addUnsaved({
            id: envelope.id,
            sender: { id: sender.id, name: sender.name },
            body: envelope.body,
            attachments: envelope.attachments ?? [],
            ...(envelope.replyTo ? { replyTo: envelope.replyTo } : {}),
            ...(envelope.mentions?.length ? { mentions: envelope.mentions } : {}),
            ...(envelope.to
              ? { to: envelope.to, ...(envelope.toName ? { toName: envelope.toName } : {}) }
              : {}),
            ...(envelope.poll ? { poll: newPollShown(envelope.poll) } : {}),
            createdAt: envelope.createdAt,
            status: 'live',
            own: sender.id === user.id,
          }) &&
          envelope.attachments?.length
        ) {
          signLive(envelope.id, envelope.attachments)
        }
        changed()
        return
      case 'settings':
      case 'pins':
      case 'reports':
        this.#receivedNotice(envelope.type, from, sender)
        return
      case 'changed':
        // The changes feed says what happened (edit or deletion) without asking for a message
        // that may be gone, and catches anything else missed on the way. Anyone edits and
        // deletes their own messages; a burst shares the catch-up in flight and one more.
        void sync()
        return
      case 'chat-ref':
        roster.clear(from)
        changed()
        // Stored before it was announced: the changes feed brings it, and a burst of
        // announcements shares one catch-up instead of a request each. A reference the settings
        // refuse (the function refused to store it) is not worth a read.
        if (!this.#isSendersId(envelope, from, sender)) return
        if (this.#takes(sender, { private: false }, from, envelope)) void sync()
    }
  }

  /**
   * A notice that part of the room's state changed: its feature reads it again, merged with the
   * read in flight. From someone who may not send it (only owners change settings and pins; the
   * function refuses anyone else) it is news of nothing, or a way to make every page in the call
   * read, and is dropped; so is one that only owners read, at anyone else's page.
   */
  #receivedNotice(type: RoomStateNotice, from: string, sender: Sender): void {
    const registered = this.#notices.get(type)
    if (!registered) {
      this.#options.log('dropped a notice no feature reads', { from, type })
      return
    }
    const { notice, read } = registered
    if (notice.from === 'owners' && !sender.owner) {
      this.#options.log('dropped a notice only owners send, from someone who is not one', {
        from,
        type,
      })
      return
    }
    if (notice.readers === 'owners' && !this.#options.owner) {
      this.#options.log(`dropped a ${type} notice: only owners read it`, { from })
      return
    }
    void read.run()
    // The change's mark on a message comes with the catch-up, merged with every other ask.
    if (notice.alsoCatchUp) void this.#options.sync()
  }

  /**
   * Daily Prebuilt's chat, under the same settings as any message: shown under its session
   * (`prebuilt:<session id>`), and stored when the host asks for it and every client can derive
   * the same id (a session in the call, a date); otherwise shown as not saved.
   */
  #receivedPrebuilt(chat: PrebuiltChat, from: string, sender: Sender): void {
    const { roster, timeline, clock, changed, prebuilt } = this.#options
    roster.clear(from)
    // Prebuilt's chat is the room's (it has no private messages).
    if (this.#takes(sender, { private: false }, from, { type: 'chat-msg' })) {
      const name = sender.known
        ? prebuiltSenderName(sender.name, chat)
        : (chat.claimedName ?? sender.name)
      const storable =
        prebuilt &&
        sender.known &&
        from !== API_SESSION_ID &&
        chat.date &&
        chat.dateMs !== undefined
          ? { prebuilt, date: chat.date, dateMs: chat.dateMs }
          : undefined
      const id = storable
        ? prebuiltMessageId({
            room: storable.prebuilt.room,
            sessionId: from,
            name,
            body: chat.body,
            dateMs: storable.dateMs,
          })
        : crypto.randomUUID()
      const added = timeline.addUnsaved({
        id,
        sender: { id: `${PREBUILT_SENDER_PREFIX}${from}`, name },
        body: chat.body,
        attachments: [],
        createdAt: new Date(clock.now()).toISOString(),
        status: storable ? 'live' : 'not-saved',
        own: false,
      })
      // Known already (seen twice, or read stored): nothing more to write.
      if (added && storable) {
        this.#storePrebuilt(storable.prebuilt, {
          id,
          sessionId: from,
          name,
          body: chat.body,
          date: storable.date,
        })
      }
    }
    // Shown, or dropped: either way the sender's typing line is gone.
    changed()
  }

  /**
   * Writes a Prebuilt message; the other clients that saw it write the same id, and the function
   * keeps one. Refused or failed here, it shows as not saved, unless another client's write (read
   * at the next catch-up) stores it.
   */
  #storePrebuilt(
    prebuilt: NonNullable<LiveInboxOptions['prebuilt']>,
    request: PrebuiltMessageRequest,
  ): void {
    prebuilt.store(request).then(prebuilt.stored, (error: unknown) => {
      this.#options.log('could not store a Daily Prebuilt chat message', { id: request.id, error })
      if (this.#options.timeline.setStatus(request.id, 'not-saved')) this.#options.changed()
    })
  }

  /**
   * The one check of the room's settings that every live frame that would show as a message
   * passes, whatever its kind: chat off, owners only, private messages off, and slow mode (one
   * interval per sender across every kind). False: dropped and logged, as the function would
   * refuse to store it.
   */
  #takes(
    sender: Sender,
    message: { private: boolean },
    from: string,
    frame: { type: string; id?: string },
  ): boolean {
    if (this.#options.rules.takesLiveMessage(this.#ruleSender(sender), message)) return true
    this.#options.log("dropped a live message the room's settings refuse", {
      from,
      type: frame.type,
      ...(frame.id ? { id: frame.id } : {}),
    })
    return false
  }

  #ruleSender(sender: Sender) {
    return { userId: sender.id, owner: sender.owner }
  }

  /**
   * Whether a message's id is one its sender (as the transport knows them) made: anything else
   * is someone showing a message under another's id, and is dropped.
   */
  #isSendersId(envelope: { id: string; type: string }, from: string, sender: { id: string }) {
    if (isMessageIdOf(envelope.id, sender.id)) return true
    this.#options.log("dropped a live message whose id is not its sender's", {
      from,
      type: envelope.type,
      id: envelope.id,
    })
    return false
  }

  /** Who sent live data: from the transport's participants, never from the data itself. */
  #senderOf(sessionId: string): Sender {
    if (sessionId === API_SESSION_ID)
      return { id: API_SESSION_ID, name: ROOM_SENDER_NAME, known: true, owner: true }
    const participant = this.#options.transport
      .participants()
      .find((candidate) => candidate.sessionId === sessionId)
    return participant
      ? {
          id: participant.userId,
          name: participant.userName,
          known: true,
          owner: participant.owner === true,
        }
      : {
          id: `${UNKNOWN_SENDER_PREFIX}${sessionId}`,
          name: 'Unknown participant',
          known: false,
          owner: false,
        }
  }
}

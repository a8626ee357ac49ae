import {
  type Attachment,
  type ChatUser,
  isMessageIdOf,
  PREBUILT_SENDER_PREFIX,
  type PrebuiltMessageRequest,
  prebuiltMessageId,
  type StoredMessage,
} from '@shared/protocol.ts'
import type { RoomRules } from '../features/room-rules/room-rules.ts'
import type { Clock } from './clock.ts'
import {
  API_SESSION_ID,
  type LiveEnvelopeOf,
  type LiveFrom,
  type LiveHandler,
} from './live-handler.ts'
import { type PrebuiltChat, prebuiltSenderName } from './prebuilt-chat.ts'
import { newPollShown, type Timeline } from './timeline.ts'

export interface LiveMessagesOptions {
  /** This user: their messages from another tab are their own. */
  user: ChatUser
  timeline: Timeline
  clock: Clock
  changed: () => void
  /** Reads what changed in the room (large messages announced by reference). */
  sync: () => Promise<void>
  /** Asks for the URLs of files announced live. */
  signLive: (id: string, attachments: readonly Attachment[]) => void
  /** Which live messages the room's settings let through, and slow mode on receipt. */
  rules: Pick<RoomRules, 'takesLiveMessage'>
  /** A session sent a message (shown or dropped): whatever it was doing before (typing) is over. */
  messageFrom: (sessionId: string) => void
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
 * The engine's own live messages, registered with LiveInbox like any feature's: a whole message
 * (`chat`), a large one announced by id (`chat-ref`), and Daily Prebuilt's chat, stored once with
 * an id every client derives alike when the host asks for it (docs/prebuilt.md). Each id must be
 * its sender's, and every kind of frame that shows as a message passes one check of the room's
 * settings and slow mode (`#takes`).
 */
export class LiveMessages {
  readonly #options: LiveMessagesOptions
  /** A whole message, small enough for the channel. */
  readonly chat: LiveHandler<'chat'> = {
    type: 'chat',
    receive: (envelope, from) => this.#receivedChat(envelope, from),
  }
  /** A message too large for the channel: stored first, then announced by id. */
  readonly chatRef: LiveHandler<'chat-ref'> = {
    type: 'chat-ref',
    receive: (envelope, from) => this.#receivedChatRef(envelope, from),
  }

  constructor(options: LiveMessagesOptions) {
    this.#options = options
  }

  #receivedChat(envelope: LiveEnvelopeOf<'chat'>, from: LiveFrom): void {
    const { timeline, user, changed, signLive, messageFrom } = this.#options
    messageFrom(from.sessionId)
    if (!this.#isSendersId(envelope, from)) return
    // A private message is for its recipient (and the sender's other tabs), nobody else.
    if (envelope.to && envelope.to !== user.id && from.id !== user.id) {
      this.#options.log('dropped a private live message for someone else', {
        from: from.sessionId,
      })
      return
    }
    if (!this.#takes(from, { private: envelope.to !== undefined }, envelope)) {
      changed()
      return
    }
    if (
      timeline.addUnsaved({
        id: envelope.id,
        sender: { id: from.id, name: from.name },
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
        own: from.id === user.id,
      }) &&
      envelope.attachments?.length
    ) {
      signLive(envelope.id, envelope.attachments)
    }
    changed()
  }

  #receivedChatRef(envelope: LiveEnvelopeOf<'chat-ref'>, from: LiveFrom): void {
    this.#options.messageFrom(from.sessionId)
    this.#options.changed()
    // Stored before it was announced: the changes feed brings it, and a burst of announcements
    // shares one catch-up instead of a request each. A reference the settings refuse (the
    // function refused to store it) is not worth a read.
    if (!this.#isSendersId(envelope, from)) return
    if (this.#takes(from, { private: false }, envelope)) void this.#options.sync()
  }

  /**
   * Daily Prebuilt's chat, under the same settings as any message: shown under its session
   * (`prebuilt:<session id>`), and stored when the host asks for it and every client can derive
   * the same id (a session in the call, a date); otherwise shown as not saved.
   */
  receivedPrebuilt(chat: PrebuiltChat, from: LiveFrom): void {
    const { timeline, clock, changed, prebuilt, messageFrom } = this.#options
    const sessionId = from.sessionId
    messageFrom(sessionId)
    // Prebuilt's chat is the room's (it has no private messages).
    if (this.#takes(from, { private: false }, { type: 'chat-msg' })) {
      const name = from.known
        ? prebuiltSenderName(from.name, chat)
        : (chat.claimedName ?? from.name)
      const storable =
        prebuilt &&
        from.known &&
        sessionId !== API_SESSION_ID &&
        chat.date &&
        chat.dateMs !== undefined
          ? { prebuilt, date: chat.date, dateMs: chat.dateMs }
          : undefined
      const id = storable
        ? prebuiltMessageId({
            room: storable.prebuilt.room,
            sessionId,
            name,
            body: chat.body,
            dateMs: storable.dateMs,
          })
        : crypto.randomUUID()
      const added = timeline.addUnsaved({
        id,
        sender: { id: `${PREBUILT_SENDER_PREFIX}${sessionId}`, name },
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
          sessionId,
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
    prebuilt: NonNullable<LiveMessagesOptions['prebuilt']>,
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
  #takes(from: LiveFrom, message: { private: boolean }, frame: { type: string; id?: string }) {
    if (this.#options.rules.takesLiveMessage({ userId: from.id, owner: from.owner }, message)) {
      return true
    }
    this.#options.log("dropped a live message the room's settings refuse", {
      from: from.sessionId,
      type: frame.type,
      ...(frame.id ? { id: frame.id } : {}),
    })
    return false
  }

  /**
   * Whether a message's id is one its sender (as the transport knows them) made: anything else
   * is someone showing a message under another's id, and is dropped.
   */
  #isSendersId(envelope: { id: string; type: string }, from: LiveFrom): boolean {
    if (isMessageIdOf(envelope.id, from.id)) return true
    this.#options.log("dropped a live message whose id is not its sender's", {
      from: from.sessionId,
      type: envelope.type,
      id: envelope.id,
    })
    return false
  }
}

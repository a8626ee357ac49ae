import {
  type Attachment,
  type ChatUser,
  isMessageIdOf,
  type LiveEnvelope,
  liveEnvelopeSchema,
  ROOM_SENDER_NAME,
} from '@shared/protocol.ts'
import type { Clock } from './clock.ts'
import type { ChatTransport } from './live-channel.ts'
import { parsePrebuiltChat } from './prebuilt-chat.ts'
import type { Timeline } from './timeline.ts'
import type { TypingRoster } from './typing.ts'

/** Messages sent with Daily's REST API arrive from this session id. */
const API_SESSION_ID = 'API'
/** Senders of live data that the transport does not know get an id with this prefix. */
const UNKNOWN_SENDER_PREFIX = 'session:'

/** Whether a sender's id names a person: not the REST API ("Room"), not an unknown session. */
export const isPersonId = (userId: string) =>
  userId !== API_SESSION_ID && !userId.startsWith(UNKNOWN_SENDER_PREFIX)

type LiveEvent = { data: unknown; from: string }
type Sender = { id: string; name: string; known: boolean; owner: boolean }

export interface LiveInboxOptions {
  /** This user: their messages from another tab are their own. */
  user: ChatUser
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
  /** Whether the room's settings let this sender's live message through (RoomRules). */
  takesLiveMessage: (
    sender: { userId: string; owner: boolean },
    message: { private: boolean },
  ) => boolean
  /** An owner changed the room's settings: read them again. */
  settingsChanged: () => void
  /** An owner pinned or unpinned a message: read the pins (and the message) again. */
  pinsChanged: () => void
  /** Someone reported a message (owners are told): read the room's reports again. */
  reportsChanged: () => void
  log: (message: string, detail?: unknown) => void
}

/**
 * What arrives over the live channel: each envelope checked against the protocol, its sender taken
 * from the transport (never from the data), its id checked to be the sender's; anything else is
 * dropped and logged. Daily Prebuilt's chat shows too, as not saved. Until the first history page
 * is shown, what arrives waits, so that it lands after the history it followed.
 */
export class LiveInbox {
  readonly #options: LiveInboxOptions
  /** Live data that arrived before the first history page: applied right after it. */
  #beforeHistory: LiveEvent[] | undefined = []

  constructor(options: LiveInboxOptions) {
    this.#options = options
  }

  /** Data another session sent. */
  received(data: unknown, from: string): void {
    if (this.#beforeHistory) {
      this.#beforeHistory.push({ data, from })
      return
    }
    const { roster, timeline, clock, changed, log } = this.#options
    const sender = this.#senderOf(from)
    const envelope = liveEnvelopeSchema.safeParse(data)
    if (envelope.success) {
      this.#receivedEnvelope(envelope.data, from, sender)
      return
    }
    const prebuilt = parsePrebuiltChat(data)
    if (prebuilt) {
      roster.clear(from)
      timeline.addUnsaved({
        id: crypto.randomUUID(),
        sender: {
          id: sender.id,
          name: sender.known ? sender.name : (prebuilt.name ?? sender.name),
        },
        body: prebuilt.body,
        attachments: [],
        createdAt: new Date(clock.now()).toISOString(),
        status: 'not-saved',
        own: false,
      })
      changed()
      return
    }
    log('dropped a live message that is not a valid envelope', { from, data })
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
        if (
          !this.#options.takesLiveMessage(
            { userId: sender.id, owner: sender.owner },
            { private: envelope.to !== undefined },
          )
        ) {
          this.#options.log("dropped a live message the room's settings refuse", {
            from,
            id: envelope.id,
          })
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
        this.#options.settingsChanged()
        return
      case 'pins':
        this.#options.pinsChanged()
        return
      case 'reports':
        this.#options.reportsChanged()
        return
      case 'changed':
        // The changes feed says what happened (edit or deletion) without asking for a message
        // that may be gone, and catches anything else missed on the way.
        void sync()
        return
      case 'chat-ref':
        roster.clear(from)
        changed()
        // Stored before it was announced: the changes feed brings it, and a burst of
        // announcements shares one catch-up instead of a request each.
        if (this.#isSendersId(envelope, from, sender)) void sync()
    }
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

import {
  type LiveEnvelope,
  liveEnvelopeSchema,
  PREBUILT_SENDER_PREFIX,
  ROOM_SENDER_NAME,
} from '@shared/protocol.ts'
import type { ChatTransport } from './live-channel.ts'
import {
  type AnyLiveHandler,
  API_SESSION_ID,
  type LiveFrom,
  type LiveHandler,
  type LiveType,
} from './live-handler.ts'
import { isBackchannelCopy, type PrebuiltChat, parsePrebuiltChat } from './prebuilt-chat.ts'

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

export interface LiveInboxOptions {
  /** Whether this user is a room owner: handlers that only owners read run for owners only. */
  owner: boolean
  /** Who is in the call: the only source of who sent what. */
  transport: Pick<ChatTransport, 'participants'>
  /** Daily Prebuilt's chat, which is no envelope of ours (LiveMessages.receivedPrebuilt). */
  prebuilt: (chat: PrebuiltChat, from: LiveFrom) => void
  log: (message: string, detail?: unknown) => void
}

/**
 * What arrives over the live channel: each envelope checked against the protocol, its sender taken
 * from the transport (never from the data), then handed to the one handler registered for its
 * kind (see LiveHandler): by the engine for messages, by each feature for its own notices. What
 * only owners send is taken from owners only, what only owners read is dropped at everyone else's
 * page, and a kind nobody registered is dropped; each is logged. Daily Prebuilt's chat goes to the
 * engine's message path. Until the first history page is shown, what arrives waits, so that it
 * lands after the history it followed.
 */
export class LiveInbox {
  readonly #options: LiveInboxOptions
  /** Live data that arrived before the first history page: applied right after it. */
  #beforeHistory: LiveEvent[] | undefined = []
  readonly #handlers = new Map<LiveType, LiveHandler>()

  constructor(options: LiveInboxOptions) {
    this.#options = options
  }

  /** Takes envelopes of each handler's kind from now on: one handler per kind. */
  register(...handlers: readonly AnyLiveHandler[]): void {
    for (const handler of handlers) {
      if (this.#handlers.has(handler.type)) {
        throw new Error(`Two handlers registered for live "${handler.type}" envelopes.`)
      }
      // Kept by its kind, so the envelope it gets is always of that kind (see #receivedEnvelope).
      this.#handlers.set(handler.type, handler as LiveHandler)
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
      this.#receivedEnvelope(envelope.data, sender)
      return
    }
    const prebuilt = parsePrebuiltChat(data)
    if (prebuilt) {
      this.#options.prebuilt(prebuilt, sender)
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

  /**
   * An envelope goes to its kind's handler. From someone who may not send it (only owners change
   * settings and pins; the function refuses anyone else) it is news of nothing, or a way to make
   * every page in the call read, and is dropped; so is one that only owners read, at anyone
   * else's page.
   */
  #receivedEnvelope(envelope: LiveEnvelope, from: LiveFrom): void {
    const { type } = envelope
    const handler = this.#handlers.get(type)
    if (!handler) {
      this.#options.log('dropped a live envelope nothing here reads', {
        from: from.sessionId,
        type,
      })
      return
    }
    // What only the function sends (the Q&A board) would, from a person, pose as the room's news.
    if (handler.from === 'api' && from.sessionId !== API_SESSION_ID) {
      this.#options.log('dropped a notice only the function sends, from a session', {
        from: from.sessionId,
        type,
      })
      return
    }
    if (handler.from === 'owners' && !from.owner) {
      this.#options.log('dropped a notice only owners send, from someone who is not one', {
        from: from.sessionId,
        type,
      })
      return
    }
    if (handler.readers === 'owners' && !this.#options.owner) {
      this.#options.log(`dropped a ${type} notice: only owners read it`, { from: from.sessionId })
      return
    }
    handler.receive(envelope, from)
  }

  /** Who sent live data: from the transport's participants, never from the data itself. */
  #senderOf(sessionId: string): LiveFrom {
    if (sessionId === API_SESSION_ID) {
      return { sessionId, id: API_SESSION_ID, name: ROOM_SENDER_NAME, known: true, owner: true }
    }
    const participant = this.#options.transport
      .participants()
      .find((candidate) => candidate.sessionId === sessionId)
    return participant
      ? {
          sessionId,
          id: participant.userId,
          name: participant.userName,
          known: true,
          owner: participant.owner === true,
        }
      : {
          sessionId,
          id: `${UNKNOWN_SENDER_PREFIX}${sessionId}`,
          name: 'Unknown participant',
          known: false,
          owner: false,
        }
  }
}

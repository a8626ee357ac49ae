import { MAX_LIVE_MESSAGE_CHARS } from '@shared/protocol.ts'

/**
 * The live-channel port: the live channel as chat sees it (Daily's app messages in production, the
 * local relay otherwise). Transports implement it; chat code above it does not know which one runs.
 */

/** Someone in the call, as the transport knows them (from their verified token). */
export interface Participant {
  /** One per connection: the same person in two tabs has two sessions. */
  sessionId: string
  /** The token's `ud`; 'API' for messages sent with Daily's REST API. */
  userId: string
  userName: string
  local: boolean
  /** A room owner (the token's `o`): the room's settings may let only owners send. */
  owner?: boolean
}

/**
 * `expired`: the channel ended this session because its token expired; final, like `closed`, and
 * only a new token (rejoining the room) gets back in.
 */
export type ConnectionState = 'connecting' | 'connected' | 'interrupted' | 'closed' | 'expired'

export interface TransportEvents {
  /** Data broadcast by another session (never by this one). `fromSessionId` may be 'API'. */
  message: (data: unknown, fromSessionId: string) => void
  'participant-joined': (participant: Participant) => void
  'participant-left': (participant: Participant) => void
  /**
   * The channel's state. `interrupted` then `connected` is a window in which messages were missed:
   * whoever listens should fetch what was said meanwhile.
   */
  connection: (state: ConnectionState) => void
  /** The call's recording started or stopped (only a transport whose call records says so). */
  recording: (recording: CallRecording) => void
}

/** A recording of the call, as this session saw it start (and stop): ISO 8601 times. */
export interface CallRecording {
  startedAt: string
  stoppedAt?: string
}

export type TransportErrorCode = 'not_joined' | 'too_large'

/** Thrown by `send` the way Daily's `sendAppMessage` throws, before anything is sent. */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'TransportError'
  }
}

export interface ChatTransport {
  /** Joins the room; resolves once joined (participants known, `send` allowed). */
  join(): Promise<void>
  /** Leaves the room and stops all events. */
  leave(): Promise<void>
  /**
   * Broadcasts `data` to every other session in the room, or sends it only to the sessions named
   * in `to` (a private message: Daily's `sendAppMessage(data, sessionIds)`). Throws
   * TransportError `not_joined` before join, and `too_large` when its JSON exceeds 4,096
   * characters.
   */
  send(data: unknown, to?: readonly string[]): void
  /** Everyone in the room, this session included (`local: true`). */
  participants(): Participant[]
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void
}

/**
 * The JSON that `data` travels as, checked the way Daily's `sendAppMessage` checks it: at most
 * MAX_LIVE_MESSAGE_CHARS UTF-16 code units of JSON (not bytes). Throws TransportError `too_large`
 * (its message from `describe`, given the JSON's length) before anything is sent, and a TypeError
 * for data that has no JSON. Every transport's `send` starts here.
 *
 * @example
 * const json = liveChannelJson(envelope) // then socket.send(json)
 */
export function liveChannelJson(
  data: unknown,
  describe: (chars: number) => string = () =>
    `Message data too large. Max size is ${MAX_LIVE_MESSAGE_CHARS}`,
): string {
  const json = JSON.stringify(data)
  if (json === undefined) throw new TypeError('Only JSON data can be sent.')
  if (json.length > MAX_LIVE_MESSAGE_CHARS) {
    throw new TransportError('too_large', describe(json.length))
  }
  return json
}

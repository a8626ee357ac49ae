import { MAX_LIVE_MESSAGE_CHARS } from '@shared/protocol.ts'
import { Emitter } from '../engine/emitter.ts'
import {
  type CallRecording,
  type ChatTransport,
  liveChannelJson,
  type Participant,
  TransportError,
  type TransportEvents,
} from '../engine/live-channel.ts'

/** A participant as daily-js reports it: only the fields chat reads. */
export interface DailyParticipantLike {
  session_id: string
  user_id: string
  user_name: string
  local: boolean
  /** A room owner (the meeting token's `o`). */
  owner?: boolean
}

/** The daily-js events the transport listens to, with the part of each payload it reads. */
export interface DailyEventPayloads {
  'app-message': { data: unknown; fromId: string }
  'participant-joined': { participant: DailyParticipantLike }
  'participant-left': { participant: DailyParticipantLike }
  'network-connection': { type: string; event: string }
  'joined-meeting': { action: string }
  'left-meeting': { action: string }
  error: { action: string; errorMsg: string }
  // Daily gives no time: the transport notes when it heard (as daily-react's useRecording does).
  'recording-started': { action: string }
  'recording-stopped': { action: string }
}
export type DailyEventName = keyof DailyEventPayloads
type DailyHandler<E extends DailyEventName> = (event: DailyEventPayloads[E]) => void

/**
 * `on`/`off` for those events. One overload per event (not one generic signature) because daily-js
 * types its payloads with a conditional type that TypeScript cannot relate to a generic one.
 */
interface DailyListen {
  (event: 'app-message', handler: DailyHandler<'app-message'>): unknown
  (event: 'participant-joined', handler: DailyHandler<'participant-joined'>): unknown
  (event: 'participant-left', handler: DailyHandler<'participant-left'>): unknown
  (event: 'network-connection', handler: DailyHandler<'network-connection'>): unknown
  (event: 'joined-meeting', handler: DailyHandler<'joined-meeting'>): unknown
  (event: 'left-meeting', handler: DailyHandler<'left-meeting'>): unknown
  (event: 'error', handler: DailyHandler<'error'>): unknown
  (event: 'recording-started', handler: DailyHandler<'recording-started'>): unknown
  (event: 'recording-stopped', handler: DailyHandler<'recording-stopped'>): unknown
}

/**
 * The part of daily-js's call object (`DailyCall`) the transport uses, so tests can hand it a
 * double. daily-session.ts passes the real call object, which keeps the two assignable.
 */
export interface DailyCallLike {
  join(options: { url: string; token: string }): Promise<unknown>
  leave(): Promise<void>
  sendAppMessage(data: unknown, to: '*' | string[]): unknown
  /** Keyed by 'local' (this session) and by the other sessions' ids. */
  participants(): Record<string, DailyParticipantLike>
  meetingState(): string
  on: DailyListen
  off: DailyListen
}

/** The handlers chat keeps on the call while it listens ('joined-meeting' only while waiting). */
type ChatEventName = Exclude<DailyEventName, 'joined-meeting'>
type DailyHandlers = { [E in ChatEventName]: DailyHandler<E> }

/**
 * Either a call this transport joins and leaves itself (`url` and `token`), or one the host app
 * has joined (or is joining) on its own, which the transport only listens to.
 */
export type DailyTransportOptions =
  | { callObject: DailyCallLike; url: string; token: string }
  | { callObject: DailyCallLike; url?: undefined; token?: undefined }

/**
 * Chat's live channel over a Daily call's app messages.
 *
 * With `url` and `token`, `join()` joins the call and `leave()` leaves it. Without them the call
 * is the host app's (an app that mounts the chat inside its own DailyProvider): `join()` starts
 * listening and resolves once the call is joined (at once if it is), and `leave()` only stops
 * listening; the host's call is never joined, left or destroyed here.
 *
 * @example
 * const transport = createDailyTransport({ callObject: useDaily() })
 */
export function createDailyTransport(options: DailyTransportOptions): ChatTransport {
  const { callObject } = options
  const own = options.url !== undefined ? { url: options.url, token: options.token } : undefined
  const events = new Emitter<TransportEvents>()
  const emit = events.emit.bind(events)

  const handlers: DailyHandlers = {
    // Daily never delivers a broadcast to its sender, so every message here is someone else's;
    // REST API messages come from 'API', which is nobody in participants().
    'app-message': ({ data, fromId }) => emit('message', data, fromId),
    'participant-joined': ({ participant }) =>
      emit('participant-joined', toParticipant(participant)),
    'participant-left': ({ participant }) => emit('participant-left', toParticipant(participant)),
    // App messages ride the signaling WebSocket in SFU mode (Daily's default, even 1:1); 'sfu' and
    // 'peer-to-peer' are the media connections. (A peer-to-peer call sends app messages over its
    // data channel; chat takes only signaling's gaps as missed messages.)
    'network-connection': ({ type, event }) => {
      if (type !== 'signaling') return
      if (event === 'interrupted' || event === 'connected') emit('connection', event)
    },
    'left-meeting': () => emit('connection', 'closed'),
    // Daily's 'error' event is fatal (ejected, token expired, ...): the call is over.
    error: () => emit('connection', 'closed'),
    'recording-started': () => {
      recording = { startedAt: new Date().toISOString() }
      emit('recording', recording)
    },
    'recording-stopped': () => {
      if (!recording || recording.stoppedAt) return
      recording = { ...recording, stoppedAt: new Date().toISOString() }
      emit('recording', recording)
    },
  }
  /** The call's latest recording, as this transport heard of it (subtitles time from it). */
  let recording: CallRecording | undefined

  let attached = false
  const listen = (method: DailyListen) => {
    method('app-message', handlers['app-message'])
    method('participant-joined', handlers['participant-joined'])
    method('participant-left', handlers['participant-left'])
    method('network-connection', handlers['network-connection'])
    method('left-meeting', handlers['left-meeting'])
    method('error', handlers.error)
    method('recording-started', handlers['recording-started'])
    method('recording-stopped', handlers['recording-stopped'])
  }
  const attach = () => {
    if (attached) return
    attached = true
    listen(callObject.on.bind(callObject))
  }
  const detach = () => {
    if (!attached) return
    attached = false
    listen(callObject.off.bind(callObject))
  }

  // A join() waiting for the host's call to be joined: leave() ends it.
  let waiting: { promise: Promise<void>; stop: (reason?: Error) => void } | undefined

  /** Resolves once the host's call is joined; rejects if it ends first, or on leave(). */
  function untilJoined(): Promise<void> {
    if (callObject.meetingState() === 'joined-meeting') return Promise.resolve()
    if (waiting) return waiting.promise
    let settle: (reason?: Error) => void = () => {}
    const promise = new Promise<void>((resolve, reject) => {
      const joined = () => settle()
      const ended = () => settle(new Error('The call ended before it was joined.'))
      settle = (reason) => {
        callObject.off('joined-meeting', joined)
        callObject.off('left-meeting', ended)
        callObject.off('error', ended)
        waiting = undefined
        if (reason) reject(reason)
        else resolve()
      }
      callObject.on('joined-meeting', joined)
      callObject.on('left-meeting', ended)
      callObject.on('error', ended)
    })
    waiting = { promise, stop: (reason) => settle(reason) }
    return promise
  }

  return {
    async join() {
      // Listen first: a fatal 'error' while joining (expired token, full room) must reach chat.
      attach()
      if (own) await callObject.join(own)
      else await untilJoined()
    },

    async leave() {
      // Detach first: leaving makes daily-js emit 'left-meeting', which chat no longer wants.
      detach()
      waiting?.stop(new Error('Left the chat before the call was joined.'))
      if (own) await callObject.leave()
    },

    send(data, to) {
      liveChannelJson(
        data,
        (chars) => `${chars} characters of JSON, over Daily's limit of ${MAX_LIVE_MESSAGE_CHARS}.`,
      )
      if (callObject.meetingState() !== 'joined-meeting') {
        throw new TransportError('not_joined', 'Not in the call: join before sending.')
      }
      try {
        callObject.sendAppMessage(data, to ? [...to] : '*')
      } catch (error) {
        throw toTransportError(error)
      }
    },

    participants() {
      return Object.values(callObject.participants()).map(toParticipant)
    },

    on(event, listener) {
      // A failing listener must not throw into daily-js's own event dispatch: the emitter
      // reports it apart.
      const off = events.on(event, listener)
      // A chat that starts on this call after the recording did still learns when it started.
      if (event === 'recording' && recording) (listener as TransportEvents['recording'])(recording)
      return off
    },
  }
}

function toParticipant(participant: DailyParticipantLike): Participant {
  return {
    sessionId: participant.session_id,
    userId: participant.user_id,
    userName: participant.user_name,
    local: participant.local,
    owner: participant.owner === true,
  }
}

/**
 * What daily-js's `sendAppMessage` threw, as a TransportError. Its checks run after ours, so this
 * covers what ours cannot see: a size limit the server lowered at join (daily-js reads
 * `_maxAppMessageSize` from the joined-meeting message) and anything else it refuses.
 */
function toTransportError(error: unknown): TransportError {
  const message = error instanceof Error ? error.message : String(error)
  const mapped = message.startsWith('Message data too large')
    ? new TransportError('too_large', message)
    : new TransportError('not_joined', message)
  mapped.cause = error
  return mapped
}

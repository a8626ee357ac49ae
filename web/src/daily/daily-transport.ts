import { MAX_LIVE_MESSAGE_CHARS } from '@shared/protocol.ts'
import {
  type ChatTransport,
  type Participant,
  TransportError,
  type TransportEvents,
} from '../transport/chat-transport.ts'

/** A participant as daily-js reports it: only the fields chat reads. */
export interface DailyParticipantLike {
  session_id: string
  user_id: string
  user_name: string
  local: boolean
}

/** The daily-js events the transport listens to, with the part of each payload it reads. */
export interface DailyEventPayloads {
  'app-message': { data: unknown; fromId: string }
  'participant-joined': { participant: DailyParticipantLike }
  'participant-left': { participant: DailyParticipantLike }
  'network-connection': { type: string; event: string }
  'left-meeting': { action: string }
  error: { action: string; errorMsg: string }
}
export type DailyEventName = keyof DailyEventPayloads
export type DailyHandler<E extends DailyEventName> = (event: DailyEventPayloads[E]) => void

/**
 * `on`/`off` for those events. One overload per event (not one generic signature) because daily-js
 * types its payloads with a conditional type that TypeScript cannot relate to a generic one.
 */
export interface DailyListen {
  (event: 'app-message', handler: DailyHandler<'app-message'>): unknown
  (event: 'participant-joined', handler: DailyHandler<'participant-joined'>): unknown
  (event: 'participant-left', handler: DailyHandler<'participant-left'>): unknown
  (event: 'network-connection', handler: DailyHandler<'network-connection'>): unknown
  (event: 'left-meeting', handler: DailyHandler<'left-meeting'>): unknown
  (event: 'error', handler: DailyHandler<'error'>): unknown
}

/**
 * The part of daily-js's call object (`DailyCall`) the transport uses, so tests can hand it a
 * double. daily-session.ts passes the real call object, which keeps the two assignable.
 */
export interface DailyCallLike {
  join(options: { url: string; token: string }): Promise<unknown>
  leave(): Promise<void>
  sendAppMessage(data: unknown, to: '*'): unknown
  /** Keyed by 'local' (this session) and by the other sessions' ids. */
  participants(): Record<string, DailyParticipantLike>
  meetingState(): string
  on: DailyListen
  off: DailyListen
}

type Listeners = { [E in keyof TransportEvents]: Set<TransportEvents[E]> }
type DailyHandlers = { [E in DailyEventName]: DailyHandler<E> }

/** Chat's live channel over a Daily call's app messages. */
export function createDailyTransport(options: {
  callObject: DailyCallLike
  url: string
  token: string
}): ChatTransport {
  const { callObject, url, token } = options
  const listeners: Listeners = {
    message: new Set(),
    'participant-joined': new Set(),
    'participant-left': new Set(),
    connection: new Set(),
  }

  const emit = <E extends keyof TransportEvents>(
    event: E,
    ...args: Parameters<TransportEvents[E]>
  ) => {
    for (const listener of [...listeners[event]]) {
      try {
        ;(listener as (...values: Parameters<TransportEvents[E]>) => void)(...args)
      } catch (error) {
        // A failing listener must neither starve the others nor throw into daily-js's own event
        // dispatch: report it on its own, the way an uncaught error would be.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

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
  }

  let attached = false
  const listen = (method: DailyListen) => {
    method('app-message', handlers['app-message'])
    method('participant-joined', handlers['participant-joined'])
    method('participant-left', handlers['participant-left'])
    method('network-connection', handlers['network-connection'])
    method('left-meeting', handlers['left-meeting'])
    method('error', handlers.error)
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

  return {
    async join() {
      // Listen first: a fatal 'error' while joining (expired token, full room) must reach chat.
      attach()
      await callObject.join({ url, token })
    },

    async leave() {
      // Detach first: leaving makes daily-js emit 'left-meeting', which chat no longer wants.
      detach()
      await callObject.leave()
    },

    send(data) {
      const json = JSON.stringify(data)
      if (json === undefined) throw new TypeError('Only JSON data can be sent.')
      if (json.length > MAX_LIVE_MESSAGE_CHARS) {
        throw new TransportError(
          'too_large',
          `${json.length} characters of JSON, over Daily's limit of ${MAX_LIVE_MESSAGE_CHARS}.`,
        )
      }
      if (callObject.meetingState() !== 'joined-meeting') {
        throw new TransportError('not_joined', 'Not in the call: join before sending.')
      }
      try {
        callObject.sendAppMessage(data, '*')
      } catch (error) {
        throw toTransportError(error)
      }
    },

    participants() {
      return Object.values(callObject.participants()).map(toParticipant)
    },

    on(event, listener) {
      listeners[event].add(listener)
      return () => {
        listeners[event].delete(listener)
      }
    },
  }
}

function toParticipant(participant: DailyParticipantLike): Participant {
  return {
    sessionId: participant.session_id,
    userId: participant.user_id,
    userName: participant.user_name,
    local: participant.local,
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

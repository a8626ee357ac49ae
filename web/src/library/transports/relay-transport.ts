import {
  CLOSE_UNAUTHORIZED,
  type RelayParticipant,
  type ServerFrame,
  serverFrameSchema,
} from '@shared/relay-protocol.ts'
import { type Clock, systemClock } from '../engine/clock.ts'
import { Emitter } from '../engine/emitter.ts'
import {
  type ChatTransport,
  liveChannelJson,
  type Participant,
  TransportError,
  type TransportEvents,
} from '../engine/live-channel.ts'

export interface RelayTransportOptions {
  /** The relay's WebSocket URL, e.g. `ws://localhost:8787/relay`. */
  url: string
  /** The meeting token from the chat function: it names the room and the user. */
  token: string
  /** Default: the browser's WebSocket. Node tests pass the `ws` package's. */
  WebSocketImpl?: typeof WebSocket
  /** Times the reconnect backoff. */
  clock?: Clock
  /** First reconnect delay, doubled after each failed attempt up to `maxMs`. 500 and 10000 ms. */
  backoff?: { initialMs?: number; maxMs?: number }
  /**
   * Says `online` when the network is back: a reconnect waiting out its backoff goes at once.
   * Default: the browser's window (none in Node).
   */
  network?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
}

type Phase = 'idle' | 'connecting' | 'joined' | 'interrupted'

/**
 * The live channel over the local relay (local/relay.ts), behaving like Daily's app messages:
 * no echo to the sender, the same 4,096-character limit, and `interrupted` then `connected`
 * around a reconnect.
 */
export function createRelayTransport(options: RelayTransportOptions): ChatTransport {
  const WebSocketImpl = options.WebSocketImpl ?? globalThis.WebSocket
  const clock = options.clock ?? systemClock
  const initialDelayMs = options.backoff?.initialMs ?? 500
  const maxDelayMs = options.backoff?.maxMs ?? 10_000
  const network = options.network ?? (typeof window === 'undefined' ? undefined : window)
  const events = new Emitter<TransportEvents>()
  const emit = events.emit.bind(events)

  // idle: not joined (before join, after leave or a final close); connecting: join's first
  // connection; interrupted: joined once, reconnecting.
  let phase: Phase = 'idle'
  let socket: WebSocket | undefined
  let localId: string | undefined
  // Everyone in the room by session id, this session included.
  let people = new Map<string, RelayParticipant>()
  // A reconnect can reach the relay before it notices the old connection is gone: the old session
  // must not show up as somebody else.
  const formerLocalIds = new Set<string>()
  let failedAttempts = 0
  let retryTimer: unknown
  let pendingJoin:
    | { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void }
    | undefined

  const withLocal = (person: RelayParticipant): Participant => ({
    ...person,
    local: person.sessionId === localId,
  })

  function connect() {
    const ws = new WebSocketImpl(options.url)
    socket = ws
    let welcomed = false
    // The relay explains a refusal in an error frame just before it closes.
    let refusal: string | undefined

    ws.onopen = () => {
      if (socket === ws) ws.send(JSON.stringify({ type: 'hello', token: options.token }))
    }
    // A close event always follows; the `ws` package also throws errors nobody listens to.
    ws.onerror = () => {}
    ws.onmessage = (event: MessageEvent) => {
      if (socket !== ws) return
      const frame = parseFrame(event.data)
      if (!frame) return
      if (frame.type === 'welcome') {
        welcomed = true
        onWelcome(frame.sessionId, frame.participants)
      } else if (frame.type === 'error') {
        if (!welcomed) refusal = frame.message
        // After the welcome the relay refuses what send() refuses first (a bug), frames over its
        // rate limit (rare: people type slower; the messages are stored anyway), or the token as
        // it expires, explained again by the close that follows.
        else console.warn(`Chat relay refused a frame: ${frame.code}: ${frame.message}`)
      } else if (frame.type === 'app-message') {
        emit('message', frame.data, frame.fromId)
      } else if (frame.type === 'participant-joined') {
        if (people.has(frame.participant.sessionId)) return
        people.set(frame.participant.sessionId, frame.participant)
        emit('participant-joined', withLocal(frame.participant))
      } else if (frame.type === 'participant-left') {
        const known = people.get(frame.participant.sessionId)
        if (!known) return
        people.delete(known.sessionId)
        emit('participant-left', withLocal(known))
      }
    }
    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws) return
      socket = undefined
      onClose(event.code, event.reason, refusal)
    }
  }

  function onWelcome(sessionId: string, participants: RelayParticipant[]) {
    if (localId) formerLocalIds.add(localId)
    localId = sessionId
    failedAttempts = 0
    const before = people
    people = new Map(
      participants
        .filter((person) => !formerLocalIds.has(person.sessionId))
        .map((person) => [person.sessionId, person]),
    )
    const reconnected = phase === 'interrupted'
    phase = 'joined'
    if (reconnected) {
      // Whoever came or went while this session was away, as if it had been here all along.
      for (const [id, person] of before) {
        if (!people.has(id) && !formerLocalIds.has(id)) emit('participant-left', withLocal(person))
      }
      for (const [id, person] of people) {
        if (!before.has(id) && id !== localId) emit('participant-joined', withLocal(person))
      }
    }
    emit('connection', 'connected')
    pendingJoin?.resolve()
    pendingJoin = undefined
  }

  function onClose(code: number, reason: string, refusal: string | undefined) {
    if (phase === 'connecting') {
      // Like Daily's join(): a first connection that fails is an error for the caller, not retried
      // (too many connections of this user included: the relay's message says what to do).
      const unreachable = `Could not connect to the chat relay at ${options.url}`
      fail(new Error(refusal ?? `${unreachable} (WebSocket closed with code ${code}).`))
      return
    }
    if (code === CLOSE_UNAUTHORIZED) {
      // The token is refused, on an open connection or a reconnect: retrying cannot help. An
      // expired one is said apart, as a new token (rejoining) is all it takes.
      if (refusal) console.warn(`Chat relay closed the connection: ${refusal}`)
      stop()
      emit('connection', reason === 'token_expired' ? 'expired' : 'closed')
      return
    }
    // Anything else is retried with backoff: a drop, a relay restart, or (CLOSE_TRY_LATER) this
    // user's connections all taken, as when the relay has not yet noticed this one's old one died.
    if (phase === 'joined') {
      phase = 'interrupted'
      emit('connection', 'interrupted')
    }
    const delay = Math.min(initialDelayMs * 2 ** failedAttempts, maxDelayMs)
    failedAttempts++
    retryTimer = clock.setTimeout(reconnectNow, delay)
    network?.addEventListener('online', reconnectNow)
  }

  /** The backoff's wait is over, or the network is back (the browser's `online`). */
  function reconnectNow() {
    network?.removeEventListener('online', reconnectNow)
    if (retryTimer === undefined) return
    clock.clearTimeout(retryTimer)
    retryTimer = undefined
    connect()
  }

  /** Ends a join() that did not get in. */
  function fail(error: Error) {
    stop()
    pendingJoin?.reject(error)
    pendingJoin = undefined
    emit('connection', 'closed')
  }

  /** Back to idle: no socket, no timer, nobody known. */
  function stop() {
    phase = 'idle'
    if (retryTimer !== undefined) clock.clearTimeout(retryTimer)
    retryTimer = undefined
    network?.removeEventListener('online', reconnectNow)
    const ws = socket
    socket = undefined
    ws?.close(1000, 'Left the room.')
    people = new Map()
    localId = undefined
    formerLocalIds.clear()
  }

  return {
    join() {
      if (phase === 'joined' || phase === 'interrupted') return Promise.resolve()
      if (pendingJoin) return pendingJoin.promise
      let resolve = () => {}
      let reject: (error: Error) => void = () => {}
      const promise = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      pendingJoin = { promise, resolve, reject }
      phase = 'connecting'
      failedAttempts = 0
      emit('connection', 'connecting')
      try {
        connect()
      } catch (error) {
        // The WebSocket constructor throws on a malformed URL.
        const reason = error instanceof Error ? error.message : String(error)
        fail(new Error(`Could not connect to the chat relay at ${options.url}: ${reason}`))
      }
      return promise
    },

    async leave() {
      const wasActive = phase !== 'idle'
      stop()
      pendingJoin?.reject(new Error('Left the room before the chat relay let you in.'))
      pendingJoin = undefined
      if (wasActive) emit('connection', 'closed')
    },

    send(data, to) {
      if (phase !== 'joined' || socket?.readyState !== WebSocketImpl.OPEN) {
        throw new TransportError(
          'not_joined',
          'Not connected to the room: messages can be sent once the call is joined.',
        )
      }
      // The JSON is already made for the size check: no need to make it twice.
      const json = liveChannelJson(data)
      const addressed = to ? `,"to":${JSON.stringify(to)}` : ''
      socket.send(`{"type":"send","data":${json}${addressed}}`)
    },

    participants() {
      return [...people.values()].map(withLocal)
    },

    on(event, listener) {
      // One failing listener must not leave the transport half updated: the emitter reports it apart.
      return events.on(event, listener)
    },
  }
}

/** A frame from the relay, or undefined for anything this version does not know. */
function parseFrame(raw: unknown): ServerFrame | undefined {
  if (typeof raw !== 'string') return undefined
  try {
    const frame = serverFrameSchema.safeParse(JSON.parse(raw))
    return frame.success ? frame.data : undefined
  } catch {
    return undefined
  }
}

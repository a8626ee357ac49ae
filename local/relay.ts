import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { type RawData, WebSocket, WebSocketServer } from 'ws'
import { MAX_LIVE_MESSAGE_CHARS, type TokenClaims } from '../functions/_shared/protocol.ts'
import {
  CLOSE_TRY_LATER,
  CLOSE_UNAUTHORIZED,
  type ClientFrame,
  clientFrameSchema,
  RELAY_PATH,
  type RelayErrorCode,
  type RelayParticipant,
  type ServerFrame,
} from '../functions/_shared/relay-protocol.ts'
import { ApiError } from '../functions/chat/errors.ts'
import { CLOCK_TOLERANCE_SECONDS, type RoomTokens } from '../functions/chat/tokens.ts'

export interface RelayOptions {
  tokens: RoomTokens
  /** Path of the WebSocket endpoint. Default '/relay'. */
  path?: string
  /** Time a connection has to send its hello. Default 5000 ms. */
  helloTimeoutMs?: number
  /** Interval of the ping that finds dead connections. Default 15000 ms. */
  heartbeatMs?: number
  /**
   * Frames one connection may send (a token bucket): `perSecond` sustained, `burst` at once.
   * Default 20 and 40. Frames over it are dropped.
   */
  frameRate?: { perSecond?: number; burst?: number }
  /** Connections one user (the token's `ud`) may hold in one room at once. Default 5. */
  maxConnectionsPerUser?: number
  /** Times token expiry, the frame rate and the hello timeout. Default: the system's. */
  clock?: RelayClock
  /**
   * Told that a room's call ended: its last connection left and nobody came back within
   * `callEndAfterMs`. `endedAt` is when the last one left, as Daily's `meeting.ended` says it.
   */
  onCallEnded?: (room: string, endedAt: Date) => void
  /** Told that someone joined a room whose call had ended (or never started): a call starts. */
  onCallStarted?: (room: string, startedAt: Date) => void
  /**
   * How long an empty room waits for someone to come back before its call counts as ended.
   * Default 20 000 ms: Daily waits up to 20 s for reconnections before its meeting.ended.
   */
  callEndAfterMs?: number
}

/** Time and timers, injectable so that tests move time instead of waiting for it. */
interface RelayClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const systemClock: RelayClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface Relay {
  /**
   * Sends `data` to everyone in `room` as Daily's REST API (`send-app-message`) does: from
   * `fromId` 'API', which no participant can be. Throws when it does not fit one app message.
   */
  sendFromApi(room: string, data: unknown): void
  /** Closes every connection (1001) and stops accepting new ones. */
  close(): Promise<void>
}

// Far above a 4,096-character message, still small enough that nobody can make the relay buffer
// a large frame.
const MAX_FRAME_BYTES = 64 * 1024
// How long `close` waits for clients to answer the closing handshake before cutting them off.
const CLOSE_GRACE_MS = 1000
// Longer delays make setTimeout fire at once; a token that lives longer is checked again then.
const MAX_TIMER_MS = 2 ** 31 - 1
// A flooding client hears about its dropped frames at most this often, not once per frame.
const RATE_LIMIT_NOTICE_MS = 1000
const EXPIRED_MESSAGE = 'Your session has expired. Rejoin the room to keep chatting.'

/** The sender of what the REST API sends, as Daily names it: nobody in the call. */
const API_FROM_ID = 'API'

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'

interface Session extends RelayParticipant {
  room: string
  socket: WebSocket
}

/**
 * The local stand-in for Daily's app-message channel on the stack's HTTP server: admits a
 * WebSocket with a valid meeting token and broadcasts what it sends to the others in its room.
 */
export function attachRelay(server: Server, options: RelayOptions): Relay {
  const path = options.path ?? RELAY_PATH
  const helloTimeoutMs = options.helloTimeoutMs ?? 5000
  const clock = options.clock ?? systemClock
  // Well above a person's chat (a message, its typing notices) and a busy room's bench (10
  // messages a second), far below a flood.
  const perSecond = options.frameRate?.perSecond ?? 50
  const burst = options.frameRate?.burst ?? 100
  const maxConnectionsPerUser = options.maxConnectionsPerUser ?? 5
  const rooms = new Map<string, Set<Session>>()
  const callEndAfterMs = options.callEndAfterMs ?? 20_000
  // Rooms whose last connection left, waiting out the reconnection window: the timer reports the end.
  const emptyRooms = new Map<string, unknown>()
  let stopping = false
  const alive = new WeakMap<WebSocket, boolean>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url?.split('?')[0] !== path) {
      // Other paths belong to other listeners. With none, nothing else would answer (an 'upgrade'
      // listener takes upgrades away from the request handler), so the client would hang.
      if (server.listenerCount('upgrade') === 1) socket.end(NOT_FOUND)
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws))
  }
  server.on('upgrade', onUpgrade)

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      ws.ping()
    }
  }, options.heartbeatMs ?? 15_000)
  heartbeat.unref()

  function accept(ws: WebSocket) {
    let state: 'awaiting-hello' | 'verifying' | 'joined' = 'awaiting-hello'
    let session: Session | undefined
    let expiryTimer: unknown
    const takeFrame = frameBucket(clock, perSecond, burst)
    let rateLimitNoticeAt = Number.NEGATIVE_INFINITY
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    // ws closes the connection itself after a protocol error (such as a frame over maxPayload);
    // the close handler cleans up. Without a listener the error would crash the stack.
    ws.on('error', () => {})

    const helloTimer = clock.setTimeout(
      () =>
        refuse(ws, 'hello_timeout', `No hello within ${helloTimeoutMs} ms: send your token first.`),
      helloTimeoutMs,
    )

    /** Takes this connection's session out of its room, once. */
    function leaveRoom() {
      clock.clearTimeout(expiryTimer)
      if (!session) return
      const left = session
      session = undefined
      const room = rooms.get(left.room)
      room?.delete(left)
      if (room?.size === 0) {
        rooms.delete(left.room)
        awaitCallEnd(left.room)
      }
      broadcast(left, { type: 'participant-left', participant: participantOf(left) })
    }

    /** Closes the connection when its token expires (after the clock tolerance), however busy. */
    function watchExpiry(closesAt: number) {
      const left = closesAt - clock.now()
      if (left > 0) {
        expiryTimer = clock.setTimeout(() => watchExpiry(closesAt), Math.min(left, MAX_TIMER_MS))
        return
      }
      // Out of the room at once: a client that never answers the close frame sends on until ws
      // gives up on it.
      leaveRoom()
      refuse(ws, 'token_expired', EXPIRED_MESSAGE)
    }

    ws.on('close', () => {
      clock.clearTimeout(helloTimer)
      leaveRoom()
    })

    ws.on('message', (raw: RawData, isBinary: boolean) => {
      // ws still reads frames while the closing handshake runs: a refused connection says nothing.
      if (ws.readyState !== WebSocket.OPEN) return
      if (!takeFrame()) {
        const now = clock.now()
        if (now - rateLimitNoticeAt >= RATE_LIMIT_NOTICE_MS) {
          rateLimitNoticeAt = now
          reply(
            ws,
            'rate_limited',
            `Too many frames: up to ${perSecond} a second (${burst} at once). Frames over it are not delivered.`,
          )
        }
        return
      }
      onMessage(raw, isBinary).catch((error: unknown) => {
        // Nothing a client sends may bring the stack down; this one connection ends.
        console.error('relay: unexpected error:', error)
        ws.close(1011, 'internal_error')
      })
    })

    async function onMessage(raw: RawData, isBinary: boolean) {
      const frame = parseFrame(raw, isBinary)
      if (!frame.ok) {
        if (state === 'awaiting-hello') refuse(ws, frame.code, frame.message)
        else reply(ws, frame.code, frame.message)
        return
      }
      const message = frame.value

      if (message.type === 'hello') {
        if (state !== 'awaiting-hello') {
          reply(ws, 'already_joined', 'This connection has already sent its hello.')
          return
        }
        state = 'verifying'
        clock.clearTimeout(helloTimer)
        let claims: TokenClaims
        try {
          claims = await options.tokens.verify(message.token)
        } catch (error) {
          if (error instanceof ApiError) refuse(ws, error.code, error.message)
          else refuse(ws, 'invalid_token', 'This token could not be checked. Rejoin the room.')
          return
        }
        // The connection may have closed (or the relay stopped) during the check.
        if (ws.readyState !== WebSocket.OPEN) return
        const closesAt = (claims.exp + CLOCK_TOLERANCE_SECONDS) * 1000
        if (closesAt <= clock.now()) {
          refuse(ws, 'token_expired', EXPIRED_MESSAGE)
          return
        }
        const held = [...(rooms.get(claims.r) ?? [])].filter((s) => s.userId === claims.ud)
        if (held.length >= maxConnectionsPerUser) {
          reply(
            ws,
            'too_many_connections',
            `You already have ${maxConnectionsPerUser} connections to this room: close another tab or window, then try again.`,
          )
          ws.close(CLOSE_TRY_LATER, 'too_many_connections')
          return
        }
        session = {
          sessionId: randomUUID(),
          userId: claims.ud,
          userName: claims.u,
          owner: claims.o === true,
          room: claims.r,
          socket: ws,
        }
        state = 'joined'
        join(session)
        watchExpiry(closesAt)
        return
      }

      if (state !== 'joined' || !session) {
        if (state === 'awaiting-hello') {
          refuse(ws, 'hello_required', 'Send a hello with your token before anything else.')
        } else reply(ws, 'not_joined', 'Wait for the welcome before sending.')
        return
      }
      if (JSON.stringify(message.data).length > MAX_LIVE_MESSAGE_CHARS) {
        reply(ws, 'too_large', `Message data too large. Max size is ${MAX_LIVE_MESSAGE_CHARS}`)
        return
      }
      const delivery: ServerFrame = {
        type: 'app-message',
        data: message.data,
        fromId: session.sessionId,
      }
      if (message.to) sendTo(session, message.to, delivery)
      else broadcast(session, delivery)
    }
  }

  /** The call of an empty room ends unless someone joins within callEndAfterMs. */
  function awaitCallEnd(room: string) {
    if (stopping) return
    const endedAt = new Date(clock.now())
    const timer = clock.setTimeout(() => {
      emptyRooms.delete(room)
      options.onCallEnded?.(room, endedAt)
    }, callEndAfterMs)
    emptyRooms.set(room, timer)
  }

  function join(session: Session) {
    let room = rooms.get(session.room)
    if (!room) {
      room = new Set()
      rooms.set(session.room, room)
      const waiting = emptyRooms.get(session.room)
      // Back within the reconnection window: the same call goes on.
      if (emptyRooms.delete(session.room)) clock.clearTimeout(waiting)
      else options.onCallStarted?.(session.room, new Date(clock.now()))
    }
    room.add(session)
    send(session.socket, {
      type: 'welcome',
      sessionId: session.sessionId,
      participants: [...room].map(participantOf),
    })
    broadcast(session, { type: 'participant-joined', participant: participantOf(session) })
  }

  /** Sends `frame` to the sessions of `from`'s room named in `to` (never to another room's). */
  function sendTo(from: Session, to: readonly string[], frame: ServerFrame) {
    const wanted = new Set(to)
    const text = JSON.stringify(frame)
    for (const other of rooms.get(from.room) ?? []) {
      if (other !== from && wanted.has(other.sessionId)) sendText(other.socket, text)
    }
  }

  /** Sends `frame` to every session in `from`'s room except `from` itself: written once for all. */
  function broadcast(from: Session, frame: ServerFrame) {
    const text = JSON.stringify(frame)
    for (const other of rooms.get(from.room) ?? []) {
      if (other !== from) sendText(other.socket, text)
    }
  }

  return {
    sendFromApi(room, data) {
      if (JSON.stringify(data).length > MAX_LIVE_MESSAGE_CHARS) {
        throw new Error(`Message data too large. Max size is ${MAX_LIVE_MESSAGE_CHARS}`)
      }
      // As an app-message frame of the relay's protocol (ServerFrame), from the API.
      const text = JSON.stringify({ type: 'app-message', data, fromId: API_FROM_ID })
      for (const session of rooms.get(room) ?? []) sendText(session.socket, text)
    },
    async close() {
      server.off('upgrade', onUpgrade)
      clearInterval(heartbeat)
      // A stopping relay ends no call: the rooms empty because it stops, not because people left.
      stopping = true
      for (const timer of emptyRooms.values()) clock.clearTimeout(timer)
      emptyRooms.clear()
      for (const ws of wss.clients) ws.close(1001, 'The relay is stopping.')
      const stragglers = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate()
      }, CLOSE_GRACE_MS)
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      clearTimeout(stragglers)
    },
  }
}

/** A token bucket: whether one more frame fits, `perSecond` sustained and `burst` at once. */
function frameBucket(clock: RelayClock, perSecond: number, burst: number): () => boolean {
  let tokens = burst
  let filledAt = clock.now()
  return () => {
    const now = clock.now()
    tokens = Math.min(burst, tokens + ((now - filledAt) / 1000) * perSecond)
    filledAt = now
    if (tokens < 1) return false
    tokens -= 1
    return true
  }
}

type Parsed =
  | { ok: true; value: ClientFrame }
  | { ok: false; code: RelayErrorCode; message: string }

function parseFrame(raw: RawData, isBinary: boolean): Parsed {
  if (isBinary) return { ok: false, code: 'invalid_frame', message: 'Send text frames of JSON.' }
  let json: unknown
  try {
    json = JSON.parse(raw.toString())
  } catch {
    return { ok: false, code: 'invalid_json', message: 'This frame is not JSON.' }
  }
  let frame: ReturnType<typeof clientFrameSchema.safeParse>
  try {
    frame = clientFrameSchema.safeParse(json)
  } catch {
    // JSON.parse takes nesting that the schema's recursion cannot (a stack overflow).
    return { ok: false, code: 'invalid_frame', message: 'This frame is nested too deeply.' }
  }
  if (!frame.success) {
    const issues = frame.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    return { ok: false, code: 'invalid_frame', message: `Invalid frame (${issues.join('; ')}).` }
  }
  return { ok: true, value: frame.data }
}

const participantOf = ({ sessionId, userId, userName, owner }: Session): RelayParticipant => ({
  sessionId,
  userId,
  userName,
  owner,
})

function send(ws: WebSocket, frame: ServerFrame) {
  sendText(ws, JSON.stringify(frame))
}

function sendText(ws: WebSocket, text: string) {
  if (ws.readyState === WebSocket.OPEN) ws.send(text)
}

function reply(ws: WebSocket, code: string, message: string) {
  send(ws, { type: 'error', code, message })
}

/** Answers with the error, then closes for good: the client must not retry with the same token. */
function refuse(ws: WebSocket, code: string, message: string) {
  reply(ws, code, message)
  ws.close(CLOSE_UNAUTHORIZED, code)
}

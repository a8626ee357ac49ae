import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { type RawData, WebSocket, WebSocketServer } from 'ws'
import { ApiError } from '../functions/chat/errors.ts'
import { MAX_LIVE_MESSAGE_CHARS, type TokenClaims } from '../functions/chat/protocol.ts'
import type { RoomTokens } from '../functions/chat/tokens.ts'
import {
  CLOSE_UNAUTHORIZED,
  type ClientFrame,
  clientFrameSchema,
  RELAY_PATH,
  type RelayErrorCode,
  type RelayParticipant,
  type ServerFrame,
} from './relay-protocol.ts'

export interface RelayOptions {
  tokens: RoomTokens
  /** Path of the WebSocket endpoint. Default '/relay'. */
  path?: string
  /** Time a connection has to send its hello. Default 5000 ms. */
  helloTimeoutMs?: number
  /** Interval of the ping that finds dead connections. Default 15000 ms. */
  heartbeatMs?: number
}

export interface Relay {
  /** Closes every connection (1001) and stops accepting new ones. */
  close(): Promise<void>
}

// Far above a 4,096-character message, still small enough that nobody can make the relay buffer
// a large frame.
const MAX_FRAME_BYTES = 64 * 1024
// How long `close` waits for clients to answer the closing handshake before cutting them off.
const CLOSE_GRACE_MS = 1000

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
  const rooms = new Map<string, Set<Session>>()
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
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    // ws closes the connection itself after a protocol error (such as a frame over maxPayload);
    // the close handler cleans up. Without a listener the error would crash the stack.
    ws.on('error', () => {})

    const helloTimer = setTimeout(
      () =>
        refuse(ws, 'hello_timeout', `No hello within ${helloTimeoutMs} ms: send your token first.`),
      helloTimeoutMs,
    )

    ws.on('close', () => {
      clearTimeout(helloTimer)
      if (!session) return
      const room = rooms.get(session.room)
      room?.delete(session)
      if (room?.size === 0) rooms.delete(session.room)
      broadcast(session, { type: 'participant-left', participant: participantOf(session) })
    })

    ws.on('message', (raw: RawData, isBinary: boolean) => {
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
        clearTimeout(helloTimer)
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
        session = {
          sessionId: randomUUID(),
          userId: claims.ud,
          userName: claims.u,
          room: claims.r,
          socket: ws,
        }
        state = 'joined'
        join(session)
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
      broadcast(session, { type: 'app-message', data: message.data, fromId: session.sessionId })
    }
  }

  function join(session: Session) {
    let room = rooms.get(session.room)
    if (!room) {
      room = new Set()
      rooms.set(session.room, room)
    }
    room.add(session)
    send(session.socket, {
      type: 'welcome',
      sessionId: session.sessionId,
      participants: [...room].map(participantOf),
    })
    broadcast(session, { type: 'participant-joined', participant: participantOf(session) })
  }

  /** Sends `frame` to every session in `from`'s room except `from` itself. */
  function broadcast(from: Session, frame: ServerFrame) {
    for (const other of rooms.get(from.room) ?? []) {
      if (other !== from) send(other.socket, frame)
    }
  }

  return {
    async close() {
      server.off('upgrade', onUpgrade)
      clearInterval(heartbeat)
      for (const ws of wss.clients) ws.close(1001, 'The relay is stopping.')
      const stragglers = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate()
      }, CLOSE_GRACE_MS)
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      clearTimeout(stragglers)
    },
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

const participantOf = ({ sessionId, userId, userName }: Session): RelayParticipant => ({
  sessionId,
  userId,
  userName,
})

function send(ws: WebSocket, frame: ServerFrame) {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame))
}

function reply(ws: WebSocket, code: string, message: string) {
  send(ws, { type: 'error', code, message })
}

/** Answers with the error, then closes for good: the client must not retry with the same token. */
function refuse(ws: WebSocket, code: string, message: string) {
  reply(ws, code, message)
  ws.close(CLOSE_UNAUTHORIZED, code)
}

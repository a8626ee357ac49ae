/**
 * The local relay's wire protocol: JSON text frames over a WebSocket, stand-in for Daily's app
 * message channel. The relay (local/relay.ts) and the browser client
 * (web/src/library/transports/relay-transport.ts) both import this module, so it lives with the other
 * contracts and imports nothing but zod.
 */
import { z } from 'zod'

export const RELAY_PATH = '/relay'

/** How many sessions one addressed frame may name (one person's tabs, a few times over). */
const MAX_RELAY_RECIPIENTS = 20

/** Close code for a refused token or handshake: final, the client must not reconnect. */
export const CLOSE_UNAUTHORIZED = 4401

/**
 * Close code for a connection refused for now (its user has too many connections to the room): a
 * client that was in the room may keep trying with backoff, as a closed tab frees a place.
 */
export const CLOSE_TRY_LATER = 4429

/** Someone in a room, identified by the verified token of their connection. */
const relayParticipantSchema = z.object({
  sessionId: z.string(),
  userId: z.string(),
  userName: z.string(),
  /** A room owner (the token's `o`). */
  owner: z.boolean().default(false),
})
export type RelayParticipant = z.infer<typeof relayParticipantSchema>

// Strict: the relay refuses a frame with fields it does not know, so nobody believes they set
// their own name or sender id.
export const clientFrameSchema = z.discriminatedUnion('type', [
  /** The first frame of every connection; the token decides room and identity. */
  z.strictObject({ type: z.literal('hello'), token: z.string().min(1) }),
  /**
   * Sends `data` (any JSON value) to the other sessions in the room, or only to the sessions
   * named in `to` (as Daily's `sendAppMessage(data, sessionIds)` does).
   */
  z.strictObject({
    type: z.literal('send'),
    data: z.json(),
    to: z.array(z.string().max(64)).min(1).max(MAX_RELAY_RECIPIENTS).optional(),
  }),
])
export type ClientFrame = z.infer<typeof clientFrameSchema>

// Not strict: a client ignores fields a newer relay adds.
export const serverFrameSchema = z.discriminatedUnion('type', [
  /** Answer to a good hello: this connection's session and everyone in the room, itself too. */
  z.object({
    type: z.literal('welcome'),
    sessionId: z.string(),
    participants: z.array(relayParticipantSchema),
  }),
  z.object({ type: z.literal('app-message'), data: z.json(), fromId: z.string() }),
  z.object({ type: z.literal('participant-joined'), participant: relayParticipantSchema }),
  z.object({ type: z.literal('participant-left'), participant: relayParticipantSchema }),
  /** A refused frame or handshake. `code` is for programs, `message` for people. */
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
])
export type ServerFrame = z.infer<typeof serverFrameSchema>

/** Codes of the relay's error frames; token refusals carry the token check's own code. */
export type RelayErrorCode =
  | 'invalid_json'
  | 'invalid_frame'
  | 'hello_required'
  | 'hello_timeout'
  | 'already_joined'
  | 'not_joined'
  | 'too_large'
  | 'invalid_token'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'rate_limited'
  | 'too_many_connections'

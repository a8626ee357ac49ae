import { errors, jwtVerify, SignJWT } from 'jose'
import type { z } from 'zod'
import { type ChatUser, type TokenClaims, tokenClaimsSchema } from '../_shared/protocol.ts'
import { ApiError } from './errors.ts'

/**
 * Seconds of clock difference tolerated between whoever minted a token and whoever checks it (the
 * function, the relay). Small: a token that expired is refused within seconds, open relay
 * connections included.
 */
export const CLOCK_TOLERANCE_SECONDS = 5
/** Tokens remembered as verified, per function instance (a token is about 300 bytes). */
const VERIFIED_CACHE_SIZE = 10_000

export interface RoomTokens {
  /** Mints a Daily meeting token for one user in one room (a room owner with `owner`). */
  mint(
    room: string,
    user: ChatUser,
    options?: { owner?: boolean },
  ): Promise<{ token: string; expiresAt: Date }>
  /** Verifies a Daily meeting token (ours or one minted elsewhere with the same key). */
  verify(token: string): Promise<TokenClaims>
}

/**
 * Daily meeting tokens: HS256 JWTs signed with the Daily API key, so the token that admits someone
 * to the call also identifies them to chat.
 *
 * @example const tokens = createRoomTokens({ apiKey, ttlSeconds: 14400 })
 */
export function createRoomTokens(options: {
  apiKey: string
  ttlSeconds: number
  domainId?: string
  now?: () => Date
}): RoomTokens {
  const secret = new TextEncoder().encode(options.apiKey)
  // Imported once: jose would otherwise import the raw secret again for every token it checks.
  const verifyKey = crypto.subtle.importKey(
    'raw',
    secret,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  )
  const now = options.now ?? (() => new Date())
  // A person sends every message with the same token, and checking its HMAC through WebCrypto
  // costs more than the rest of a request: a token that verified is remembered, by its exact text,
  // until it expires. Oldest first out when full.
  const verified = new Map<string, TokenClaims>()

  return {
    async mint(room, user, { owner = false } = {}) {
      const issuedAt = Math.floor(now().getTime() / 1000)
      const expiresAt = issuedAt + options.ttlSeconds
      const claims: Record<string, unknown> = { r: room, u: user.name, ud: user.id }
      if (options.domainId) claims.d = options.domainId
      if (owner) claims.o = true
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(secret)
      return { token, expiresAt: new Date(expiresAt * 1000) }
    },

    async verify(token) {
      const known = verified.get(token)
      if (known && now().getTime() / 1000 < known.exp + CLOCK_TOLERANCE_SECONDS) return known
      // Expired (or never seen): the full check below answers, with the right error.
      verified.delete(token)
      let payload: unknown
      try {
        ;({ payload } = await jwtVerify(token, await verifyKey, {
          algorithms: ['HS256'],
          requiredClaims: ['exp'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: now(),
        }))
      } catch (error) {
        throw tokenError(error)
      }
      const claims = tokenClaimsSchema.safeParse(payload)
      if (!claims.success) throw invalidClaims(claims.error)
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value ?? '')
      verified.set(token, claims.data)
      return claims.data
    },
  }
}

/** What chat needs of each claim, said when a token's claim is missing or unusable. */
const CLAIM_NAMES: Record<string, string> = {
  r: 'room (r)',
  u: 'user name (u)',
  ud: 'user id (ud)',
}

/**
 * A 401 naming the first claim that failed the schema (never a 500 further on: a user id with a
 * NUL, say, would otherwise reach the database).
 */
function invalidClaims(error: z.ZodError): ApiError {
  const claim = String(error.issues[0]?.path[0] ?? '')
  const name = CLAIM_NAMES[claim]
  return unauthorized(
    'invalid_token',
    name
      ? `This token's ${name} is missing or has characters chat does not accept. Rejoin the room.`
      : 'This token lacks the room (r), user name (u) or user id (ud) that chat needs.',
  )
}

function tokenError(error: unknown): ApiError {
  if (error instanceof errors.JWTExpired) {
    return unauthorized('token_expired', 'Your session has expired. Rejoin the room to continue.')
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return unauthorized('token_not_yet_valid', 'This token is not valid yet. Check your clock.')
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp') {
    return unauthorized('invalid_token', 'This token has no expiry (exp); tokens must expire.')
  }
  return unauthorized('invalid_token', 'This token is not valid for this chat. Rejoin the room.')
}

/** A 401 with the WWW-Authenticate challenge; no error code when no token was sent (RFC 6750). */
export function unauthorized(code: string, message: string): ApiError {
  const challenge = code === 'missing_token' ? 'Bearer' : 'Bearer error="invalid_token"'
  return new ApiError(401, code, message, { headers: { 'WWW-Authenticate': challenge } })
}

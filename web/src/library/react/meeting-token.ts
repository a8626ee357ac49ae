import { type ChatUser, tokenClaimsSchema } from '@shared/protocol.ts'

/** Who a Daily meeting token lets into which room, as the chat needs it. */
export interface MeetingTokenHolder {
  /** The room (claim `r`). */
  room: string
  /** The person: id `ud`, name `u`. */
  user: ChatUser
  /** A room owner (claim `o`) may delete anyone's message. */
  owner: boolean
  /** When the token expires (claim `exp`), as an ISO date. */
  expiresAt: string
}

/**
 * Reads the claims `r`, `u`, `ud`, `o` and `exp` of a Daily meeting token, without verifying it:
 * they only decide what the chat shows and offers, and the chat function checks the token on every
 * request. Throws an Error saying what is wrong with a token that is not one.
 *
 * @example readMeetingToken(token).room // 'standup'
 */
export function readMeetingToken(token: string): MeetingTokenHolder {
  const claims = tokenClaimsSchema.safeParse(decodePayload(token))
  if (!claims.success) {
    const issue = claims.error.issues[0]
    const claim = issue?.path.join('.') || 'payload'
    throw new Error(`The meeting token's claim "${claim}" is unusable: ${issue?.message}`)
  }
  const { r, u, ud, o, exp } = claims.data
  return {
    room: r,
    user: { id: ud, name: u },
    owner: o === true,
    expiresAt: new Date(exp * 1000).toISOString(),
  }
}

/** The JSON in a JWT's middle part (base64url of UTF-8); throws when there is none. */
function decodePayload(token: string): unknown {
  const payload = token.split('.')[1]
  if (!payload) throw new Error('This is not a meeting token (a JWT of three parts).')
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new Error('The meeting token cannot be read: its payload is not base64url JSON.')
  }
}

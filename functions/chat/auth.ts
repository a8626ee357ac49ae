import { createMiddleware } from 'hono/factory'
import type { ChatUser, TokenClaims } from '../_shared/protocol.ts'
import { ApiError } from './errors.ts'
import { roomParam } from './request.ts'
import { type RoomTokens, unauthorized } from './tokens.ts'

/** What a room's routes read from the request once its token is verified (`c.var`). */
export type RoomEnv = {
  Variables: { room: string; user: ChatUser; owner: boolean; claims: TokenClaims }
}

/**
 * Admits a request only with `Authorization: Bearer <token>` for the `:room` in its path, and sets
 * `room`, `user` and `owner` (from the verified token, never from the request body). Used once,
 * on the app mounted at `/rooms/:room`.
 *
 * @example new Hono<RoomEnv>().use(requireRoomToken(tokens)).route('/messages', messageRoutes(deps))
 */
export const requireRoomToken = (tokens: RoomTokens) =>
  createMiddleware<RoomEnv>(async (c, next) => {
    const room = roomParam(c)
    const header = c.req.header('Authorization') ?? ''
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match?.[1]) {
      throw unauthorized(
        'missing_token',
        'Send your room token as "Authorization: Bearer <token>". Join the room to get one.',
      )
    }
    const claims = await tokens.verify(match[1])
    if (claims.r !== room) {
      throw new ApiError(403, 'wrong_room', `This token is for room "${claims.r}", not "${room}".`)
    }
    c.set('room', room)
    c.set('user', { id: claims.ud, name: claims.u })
    c.set('owner', claims.o === true)
    c.set('claims', claims)
    await next()
  })

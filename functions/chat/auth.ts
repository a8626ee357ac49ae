import { createMiddleware } from 'hono/factory'
import type { ChatUser } from '../_shared/protocol.ts'
import { ApiError } from './errors.ts'
import { roomParam } from './request.ts'
import { type RoomTokens, unauthorized } from './tokens.ts'

export type RoomAuth = { Variables: { room: string; user: ChatUser; owner: boolean } }

/**
 * Admits a request only with `Authorization: Bearer <token>` for the `:room` in its path, and sets
 * `room` and `user` (from the verified token, never from the request body).
 */
export const requireRoomToken = (tokens: RoomTokens) =>
  createMiddleware<RoomAuth>(async (c, next) => {
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
    await next()
  })

import { type Context, Hono } from 'hono'
import { MAX_PINS, type PinsPage } from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { messageIdParam } from '../request.ts'

/**
 * `PUT` and `DELETE /rooms/:room/messages/:id/pin`: a room owner pins a message for everyone, or
 * unpins it, idempotently; both answer the message as it is now. Mounted at
 * `/rooms/:room/messages/:id/pin`, behind the token.
 */
export function pinRoutes({ config, store, media }: ChatDeps) {
  async function pin(c: Context<RoomEnv>, on: boolean) {
    const id = messageIdParam(c)
    const { room, user, owner } = c.var
    if (!owner) {
      throw new ApiError(403, 'owners_only', "Only the room's owners can pin messages.")
    }
    await requireQuota(store, 'pin', user.id, config.quotas.pin, 'You are pinning too often')
    const outcome = await store.pinMessage(room, id, user.id, on)
    switch (outcome.kind) {
      case 'pinned':
      case 'unpinned':
      case 'unchanged': {
        const [message] = await withReadUrls(media, [outcome.message], config.mediaUrlTtlSeconds)
        return c.json(message)
      }
      case 'not_found':
        throw new ApiError(404, 'message_not_found', 'There is no such message in this room.')
      case 'private':
        throw new ApiError(
          400,
          'private_message',
          'Private messages cannot be pinned: only two people can see them.',
        )
      case 'too_many':
        throw new ApiError(
          409,
          'too_many_pins',
          `This room has ${MAX_PINS} pinned messages already. Unpin one first.`,
        )
    }
  }
  return new Hono<RoomEnv>().put('/', (c) => pin(c, true)).delete('/', (c) => pin(c, false))
}

/**
 * `GET /rooms/:room/pins`: the room's pinned messages, the newest pin first. Mounted at
 * `/rooms/:room/pins`, behind the token.
 */
export function pinListRoutes({ config, store, media }: ChatDeps) {
  return new Hono<RoomEnv>().get('/', async (c) => {
    const messages = await store.loadPins(c.var.room, c.var.user.id)
    const answer: PinsPage = {
      messages: await withReadUrls(media, messages, config.mediaUrlTtlSeconds),
    }
    return c.json(answer)
  })
}

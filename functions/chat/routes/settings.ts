import { Hono } from 'hono'
import { roomSettingsSchema } from '../../_shared/protocol.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody } from '../request.ts'

/**
 * `GET /rooms/:room/settings`: the room's chat controls, for anyone in the room; `PUT` sets them,
 * for its owners only (tokens with `o: true`). Mounted at `/rooms/:room/settings`, behind the
 * token.
 */
export function settingsRoutes({ config, store }: ChatDeps) {
  return new Hono<RoomEnv>()
    .get('/', async (c) => c.json(await store.loadRoomSettings(c.var.room)))
    .put('/', async (c) => {
      const { room, user, owner } = c.var
      if (!owner) {
        throw new ApiError(
          403,
          'owners_only',
          "Only the room's owners can change its chat settings.",
        )
      }
      const settings = await jsonBody(c, roomSettingsSchema)
      await requireQuota(
        store,
        'settings',
        user.id,
        config.quotas.settings,
        'You are changing the settings too often',
      )
      return c.json(await store.saveRoomSettings(room, settings, user.id))
    })
}

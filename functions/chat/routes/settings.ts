import { Hono } from 'hono'
import { type RoomSettings, roomSettingsSchema } from '../../_shared/protocol.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody } from '../request.ts'

/**
 * `GET /rooms/:room/settings`: the room's chat controls, for anyone in the room, with the
 * project's default retention when the function knows it; `PUT` sets them, for its owners only
 * (tokens with `o: true`). A `PUT` without `retention` leaves the room's retention as it is.
 * Mounted at `/rooms/:room/settings`, behind the token.
 */
export function settingsRoutes({ config, store }: ChatDeps) {
  const withDefault = (settings: RoomSettings): RoomSettings =>
    config.defaultRetentionDays === undefined
      ? settings
      : { ...settings, defaultRetentionDays: config.defaultRetentionDays }
  return new Hono<RoomEnv>()
    .get('/', async (c) => c.json(withDefault(await store.loadRoomSettings(c.var.room))))
    .put('/', async (c) => {
      const { room, user, owner } = c.var
      if (!owner) {
        throw new ApiError(
          403,
          'owners_only',
          "Only the room's owners can change its chat settings.",
        )
      }
      // defaultRetentionDays, when a client sends back what it read, is the project's: not saved.
      const settings = await jsonBody(c, roomSettingsSchema)
      await requireQuota(
        store,
        'settings',
        user.id,
        config.quotas.settings,
        'You are changing the settings too often',
      )
      return c.json(withDefault(await store.saveRoomSettings(room, settings, user.id)))
    })
}

import { type RoomSettings, roomSettingsSchema } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'

/** The room's chat settings. */
export function loadSettings(api: Pick<RoomApi, 'route'>): Promise<RoomSettings> {
  return api.route('/settings', roomSettingsSchema, { method: 'GET' })
}

/**
 * Changes the room's chat settings (owners only): the settings as saved.
 *
 * @example await saveSettings(api, { ...settings, slowModeSeconds: 10 })
 */
export function saveSettings(
  api: Pick<RoomApi, 'route'>,
  settings: RoomSettings,
): Promise<RoomSettings> {
  return api.route('/settings', roomSettingsSchema, { method: 'PUT', json: settings })
}

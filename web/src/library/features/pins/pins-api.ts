import {
  type PinsPage,
  pinsPageSchema,
  type StoredMessage,
  storedMessageSchema,
} from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'

/** The room's pinned messages, the newest pin first. */
export function loadPins(api: Pick<RoomApi, 'route'>): Promise<PinsPage> {
  return api.route('/pins', pinsPageSchema, { method: 'GET' })
}

/**
 * Pins (`on`) or unpins a message for everyone (owners only): the message as it is now.
 *
 * @example await pinMessage(api, id, true)
 */
export function pinMessage(
  api: Pick<RoomApi, 'route'>,
  id: string,
  on: boolean,
): Promise<StoredMessage> {
  const path = `/messages/${encodeURIComponent(id)}/pin`
  return api.route(path, storedMessageSchema, { method: on ? 'PUT' : 'DELETE' })
}

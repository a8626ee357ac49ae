import { type StoredMessage, storedMessageSchema } from '@shared/protocol.ts'
import { z } from 'zod'
import type { RoomApi } from '../../engine/chat-api.ts'

const messagePath = (id: string) => `/messages/${encodeURIComponent(id)}`

/**
 * Changes the text of one's own message: the message as it is now.
 *
 * @example const edited = await editMessage(api, id, 'See you at 10')
 */
export function editMessage(
  api: Pick<RoomApi, 'route'>,
  id: string,
  body: string,
): Promise<StoredMessage> {
  return api.route(messagePath(id), storedMessageSchema, { method: 'PATCH', json: { body } })
}

/** Deletes one's own message (or, for a room owner, anyone's): 204, no body. */
export function deleteMessage(api: Pick<RoomApi, 'route'>, id: string): Promise<void> {
  return api.route(messagePath(id), z.undefined(), { method: 'DELETE' })
}

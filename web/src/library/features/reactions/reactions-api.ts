import { type StoredMessage, storedMessageSchema } from '@shared/protocol.ts'
import { z } from 'zod'
import type { RoomApi } from '../../engine/chat-api.ts'

const reactionPath = (id: string, emoji: string) =>
  `/messages/${encodeURIComponent(id)}/reactions/${encodeURIComponent(emoji)}`

/**
 * Adds one's reaction `emoji` to a message (again is safe): the message as it is now.
 *
 * @example const message = await addReaction(api, id, '👍')
 */
export function addReaction(
  api: Pick<RoomApi, 'route'>,
  id: string,
  emoji: string,
): Promise<StoredMessage> {
  return api.route(reactionPath(id, emoji), storedMessageSchema, { method: 'PUT' })
}

/** Takes back one's reaction `emoji` (none to take back is fine): 204, no body. */
export function removeReaction(
  api: Pick<RoomApi, 'route'>,
  id: string,
  emoji: string,
): Promise<void> {
  return api.route(reactionPath(id, emoji), z.undefined(), { method: 'DELETE' })
}

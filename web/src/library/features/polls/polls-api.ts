import { type StoredMessage, storedMessageSchema } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'

const pollPath = (id: string, action: 'vote' | 'close') =>
  `/messages/${encodeURIComponent(id)}/poll/${action}`

/**
 * Votes for option `option` (its position) of the poll `id`: the message as it is now.
 *
 * @example const message = await votePoll(api, id, 1)
 */
export function votePoll(
  api: Pick<RoomApi, 'route'>,
  id: string,
  option: number,
): Promise<StoredMessage> {
  return api.route(pollPath(id, 'vote'), storedMessageSchema, { method: 'PUT', json: { option } })
}

/** Takes back one's vote in the poll `id`: the message as it is now. */
export function takeBackVote(api: Pick<RoomApi, 'route'>, id: string): Promise<StoredMessage> {
  return api.route(pollPath(id, 'vote'), storedMessageSchema, { method: 'DELETE' })
}

/** Closes the poll `id` (its creator or an owner): the message as it is now. */
export function closePoll(api: Pick<RoomApi, 'route'>, id: string): Promise<StoredMessage> {
  return api.route(pollPath(id, 'close'), storedMessageSchema, { method: 'POST' })
}

import { type SearchPage, searchPageSchema } from '@shared/protocol.ts'
import { type RoomApi, withQuery } from '../../engine/chat-api.ts'

/**
 * The room's messages with every word of `q` (the last as a prefix), newest first.
 *
 * @example const page = await searchMessages(api, { q: 'lunch', before: oldest.seq })
 */
export function searchMessages(
  api: Pick<RoomApi, 'route'>,
  query: { q: string; before?: number; limit?: number },
): Promise<SearchPage> {
  return api.route(withQuery('/search', query), searchPageSchema, { method: 'GET' })
}

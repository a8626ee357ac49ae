import { Hono } from 'hono'
import { type SearchPage, searchQuerySchema, searchWords } from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { queryParams } from '../request.ts'

/**
 * `GET /rooms/:room/search?q=&before=&limit=`: the room's messages that contain every word of
 * `q` (the last as the start of a word), newest first, a page at a time. Deleted messages are
 * never found. Mounted at `/rooms/:room/search`, behind the token.
 */
export function searchRoutes({ config, store, media }: ChatDeps) {
  return new Hono<RoomEnv>().get('/', async (c) => {
    const { q, before, limit } = queryParams(c, searchQuerySchema, 'search')
    const { room, user } = c.var
    const page = await store.searchMessages(room, { words: searchWords(q), before, limit }, user.id)
    const answer: SearchPage = {
      messages: await withReadUrls(media, page.messages, config.mediaUrlTtlSeconds),
      hasMore: page.hasMore,
    }
    return c.json(answer)
  })
}

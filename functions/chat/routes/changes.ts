import { Hono } from 'hono'
import { type ChangesPage, changesQuerySchema } from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { queryParams } from '../request.ts'

/**
 * `GET /rooms/:room/changes?since=<revision>`: everything written, edited or deleted in a room
 * after a revision, so a client that was away (or missed an edit made in Studio) catches up.
 * Mounted at `/rooms/:room/changes`, behind the token.
 */
export function changeRoutes({ config, store, media }: ChatDeps) {
  return new Hono<RoomEnv>().get('/', async (c) => {
    const query = queryParams(c, changesQuerySchema, 'changes')
    const page = await store.loadChanges(c.var.room, query, c.var.user.id)
    const messages = await withReadUrls(
      media,
      page.changes.flatMap((change) => (change.type === 'message' ? [change.message] : [])),
      config.mediaUrlTtlSeconds,
    )
    let next = 0
    const answer: ChangesPage = {
      changes: page.changes.map((change) =>
        change.type === 'message'
          ? { type: 'message', message: messages[next++] as (typeof messages)[number] }
          : change,
      ),
      revision: page.revision,
      hasMore: page.hasMore,
      firstSeq: page.firstSeq,
    }
    return c.json(answer)
  })
}

import { Hono } from 'hono'
import type { ChatDeps } from '../app.ts'
import { withReadUrls } from '../attachment-urls.ts'
import { type RoomAuth, requireRoomToken } from '../auth.ts'
import { transcriptQuerySchema } from '../protocol.ts'
import { queryParams } from '../request.ts'
import { transcriptMarkdown } from '../transcript.ts'

/**
 * `GET /rooms/:room/transcript?format=md|json`: the room's conversation as a download. Deleted
 * messages are left out, edits show their final text, files are signed links.
 */
export function transcriptRoutes({ config, store, media, tokens }: ChatDeps) {
  return new Hono<RoomAuth>()
    .use('/rooms/:room/transcript', requireRoomToken(tokens))
    .get('/rooms/:room/transcript', async (c) => {
      const query = queryParams(c, transcriptQuerySchema, 'transcript')
      const { room } = c.var
      const exportedAt = new Date()
      const messages = await withReadUrls(
        media,
        await store.loadTranscript(room),
        config.mediaUrlTtlSeconds,
      )
      const file = `${room}-transcript.${query.format}`
      c.header('Content-Disposition', `attachment; filename="${file}"`)
      if (query.format === 'json') {
        return c.json({ room, exportedAt: exportedAt.toISOString(), messages })
      }
      const linksExpireAt = new Date(exportedAt.getTime() + config.mediaUrlTtlSeconds * 1000)
      c.header('Content-Type', 'text/markdown; charset=utf-8')
      return c.body(transcriptMarkdown(room, messages, exportedAt, linksExpireAt))
    })
}

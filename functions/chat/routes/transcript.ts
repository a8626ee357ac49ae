import { Hono } from 'hono'
import type { ChatDeps } from '../app.ts'
import { withReadUrls } from '../attachment-urls.ts'
import { type RoomAuth, requireRoomToken } from '../auth.ts'
import { invalidInput } from '../errors.ts'
import { transcriptQuerySchema } from '../protocol.ts'
import { transcriptMarkdown } from '../transcript.ts'

/**
 * `GET /rooms/:room/transcript?format=md|json`: the room's conversation as a download. Deleted
 * messages are left out, edits show their final text, files are signed links.
 */
export function transcriptRoutes({ config, store, media, tokens }: ChatDeps) {
  return new Hono<RoomAuth>()
    .use('/rooms/:room/transcript', requireRoomToken(tokens))
    .get('/rooms/:room/transcript', async (c) => {
      const query = transcriptQuerySchema.safeParse(c.req.query())
      if (!query.success) throw invalidInput(query.error, 'The transcript query is invalid.')
      const { room } = c.var
      const exportedAt = new Date()
      const messages = await withReadUrls(
        media,
        await store.loadTranscript(room),
        config.mediaUrlTtlSeconds,
      )
      const file = `${room}-transcript.${query.data.format}`
      c.header('Content-Disposition', `attachment; filename="${file}"`)
      if (query.data.format === 'json') {
        return c.json({ room, exportedAt: exportedAt.toISOString(), messages })
      }
      const linksExpireAt = new Date(exportedAt.getTime() + config.mediaUrlTtlSeconds * 1000)
      c.header('Content-Type', 'text/markdown; charset=utf-8')
      return c.body(transcriptMarkdown(room, messages, exportedAt, linksExpireAt))
    })
}

import { Hono } from 'hono'
import { signAttachmentsRequestSchema } from '../../_shared/protocol.ts'
import { signAttachments } from '../attachment-urls.ts'
import { requireRoomFile, requireSignable } from '../attachments.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { jsonBody } from '../request.ts'

/**
 * `POST /rooms/:room/attachments/sign`: URLs to read files announced live (they travel without),
 * never for a deleted message's files. Mounted at `/rooms/:room/attachments`, behind the token.
 */
export function attachmentRoutes({ config, store, media }: ChatDeps) {
  return new Hono<RoomEnv>().post('/sign', async (c) => {
    const { attachments } = await jsonBody(c, signAttachmentsRequestSchema)
    for (const file of attachments) requireRoomFile(c.var.room, file)
    const states = await store.loadUploadStates(
      c.var.room,
      attachments.map((file) => file.path),
      c.var.user.id,
    )
    attachments.forEach((file, index) => {
      requireSignable(file, states[index] ?? 'unknown')
    })
    return c.json({
      attachments: await signAttachments(media, attachments, config.mediaUrlTtlSeconds),
    })
  })
}

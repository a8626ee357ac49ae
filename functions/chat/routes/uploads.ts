import { Hono } from 'hono'
import { type UploadResponse, uploadRequestSchema } from '../../_shared/protocol.ts'
import { newFilePath, requireFileFits } from '../attachments.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody } from '../request.ts'

/**
 * `POST /rooms/:room/uploads`: a signed URL to PUT one file to, after checking its type and size;
 * the upload is registered to the person, the only one who may attach it (once). Mounted at
 * `/rooms/:room/uploads`, behind the token.
 */
export function uploadRoutes({ config, store, media }: ChatDeps) {
  return new Hono<RoomEnv>().post('/', async (c) => {
    await requireQuota(
      store,
      'upload',
      c.var.user.id,
      config.quotas.upload,
      'You are uploading files too quickly',
    )
    const file = await jsonBody(c, uploadRequestSchema)
    requireFileFits(file.name, file.size, config.mediaMaxBytes)
    const path = newFilePath(c.var.room, file.type)
    // Registered before the URL exists: a file without its row could never be attached.
    await store.recordUpload({ path, room: c.var.room, uploaderId: c.var.user.id })
    const { uploadUrl, expiresAt } = await media.createUpload(path, file)
    const upload: UploadResponse = {
      uploadUrl,
      method: 'PUT',
      path,
      expiresAt: expiresAt.toISOString(),
    }
    return c.json(upload, 201)
  })
}

import { Hono } from 'hono'
import {
  type Attachment,
  fileTooLargeMessage,
  MEDIA_TYPES,
  signAttachmentsRequestSchema,
  type UploadResponse,
  uploadRequestSchema,
} from '../../_shared/protocol.ts'
import type { ChatDeps } from '../app.ts'
import { signAttachments } from '../attachment-urls.ts'
import { type RoomAuth, requireRoomToken } from '../auth.ts'
import { ApiError } from '../errors.ts'
import type { UploadState } from '../message-store.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody } from '../request.ts'

/** Refuses a file that is not this room's: each room's files live under its own prefix. */
export function requireRoomFile(room: string, file: Pick<Attachment, 'path' | 'name'>) {
  if (!file.path.startsWith(`${room}/`)) {
    throw new ApiError(403, 'file_not_in_room', `"${file.name}" belongs to another room.`)
  }
}

/**
 * Refuses to sign a file never granted in this room (404) or whose message was deleted (410).
 * Files not yet attached sign: live receivers ask before the sender's write lands.
 */
function requireSignable(file: Pick<Attachment, 'name'>, state: UploadState) {
  if (state === 'unknown') {
    throw new ApiError(404, 'file_not_found', `"${file.name}" was never shared in this room.`)
  }
  if (state === 'withdrawn') {
    throw new ApiError(
      410,
      'file_withdrawn',
      `"${file.name}" was withdrawn: its message was deleted.`,
    )
  }
}

/**
 * `POST /rooms/:room/uploads`: a signed URL to PUT one file to, after checking its type and size;
 * the upload is registered to the person, the only one who may attach it (once).
 * `POST /rooms/:room/attachments/sign`: URLs to read files announced live (they travel without),
 * never for a deleted message's files.
 */
export function uploadRoutes({ config, store, media, tokens }: ChatDeps) {
  return new Hono<RoomAuth>()
    .use('/rooms/:room/uploads', requireRoomToken(tokens))
    .use('/rooms/:room/attachments/sign', requireRoomToken(tokens))
    .post('/rooms/:room/uploads', async (c) => {
      await requireQuota(
        store,
        'upload',
        c.var.user.id,
        config.quotas.upload,
        'You are uploading files too quickly',
      )
      const file = await jsonBody(c, uploadRequestSchema)
      if (file.size > config.mediaMaxBytes) {
        throw new ApiError(
          413,
          'file_too_large',
          fileTooLargeMessage(file.name, file.size, config.mediaMaxBytes),
        )
      }
      const path = `${c.var.room}/${crypto.randomUUID()}.${MEDIA_TYPES[file.type]}`
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
    .post('/rooms/:room/attachments/sign', async (c) => {
      const { attachments } = await jsonBody(c, signAttachmentsRequestSchema)
      for (const file of attachments) requireRoomFile(c.var.room, file)
      const states = await store.loadUploadStates(
        c.var.room,
        attachments.map((file) => file.path),
      )
      attachments.forEach((file, index) => {
        requireSignable(file, states[index] ?? 'unknown')
      })
      return c.json({
        attachments: await signAttachments(media, attachments, config.mediaUrlTtlSeconds),
      })
    })
}

import {
  type Attachment,
  type StoredAttachment,
  signAttachmentsResponseSchema,
  type UploadRequest,
  type UploadResponse,
  uploadResponseSchema,
} from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'

/**
 * A signed URL to upload one file to.
 *
 * @example const ticket = await requestUpload(api, { name: 'a.png', type: 'image/png', size: 2048 })
 */
export function requestUpload(
  api: Pick<RoomApi, 'route'>,
  file: UploadRequest,
): Promise<UploadResponse> {
  return api.route('/uploads', uploadResponseSchema, { method: 'POST', json: file })
}

/** URLs to read files announced live (the live channel carries no URLs). */
export async function signAttachments(
  api: Pick<RoomApi, 'route'>,
  attachments: readonly Attachment[],
): Promise<StoredAttachment[]> {
  const signed = await api.route('/attachments/sign', signAttachmentsResponseSchema, {
    method: 'POST',
    json: { attachments },
  })
  return signed.attachments
}

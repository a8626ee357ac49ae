import type { Attachment, StoredAttachment, StoredMessage } from '../_shared/protocol.ts'
import { downloadName } from './attachments.ts'
import type { MediaStore } from './media-store.ts'
import type { PersistedMessage } from './message-store.ts'

/** The attachments with signed, expiring URLs to read them: one batch for all of them. */
export async function signAttachments(
  media: MediaStore,
  attachments: readonly Attachment[],
  ttlSeconds: number,
): Promise<StoredAttachment[]> {
  if (attachments.length === 0) return []
  const urlExpiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString()
  const urls = await media.signReadUrls(
    attachments.map((file) => ({ path: file.path, downloadAs: downloadName(file) })),
    ttlSeconds,
  )
  return attachments.map((file, index) => {
    const url = urls[index]
    return url === undefined ? { ...file } : { ...file, url, urlExpiresAt }
  })
}

/** Messages as the function returns them: every attachment with a URL to read it. */
export async function withReadUrls(
  media: MediaStore,
  messages: readonly PersistedMessage[],
  ttlSeconds: number,
): Promise<StoredMessage[]> {
  // Most messages carry no files: nothing to sign, nothing to copy (every request answers here).
  if (messages.every((message) => message.attachments.length === 0)) return [...messages]
  const signed = await signAttachments(
    media,
    messages.flatMap((message) => message.attachments),
    ttlSeconds,
  )
  let next = 0
  return messages.map((message) => ({
    ...message,
    attachments: message.attachments.map(() => signed[next++] as StoredAttachment),
  }))
}

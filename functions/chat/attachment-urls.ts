import {
  type Attachment,
  MEDIA_TYPES,
  type MediaType,
  type StoredAttachment,
  type StoredMessage,
} from '../_shared/protocol.ts'
import type { MediaStore } from './media-store.ts'
import type { PersistedMessage } from './message-store.ts'

// Names that a file of this type may end with besides its own extension.
const OTHER_EXTENSIONS: Partial<Record<MediaType, string[]>> = { 'image/jpeg': ['jpeg'] }

/**
 * The name a file downloads under: the sender's name, ending in its type's extension (a text
 * file named `page.html` downloads as `page.html.txt`), so that no name makes a download open as
 * something it is not.
 *
 * @example downloadName({ name: 'notes.html', type: 'text/plain' }) // 'notes.html.txt'
 */
export function downloadName(file: Pick<Attachment, 'name' | 'type'>): string {
  const extension = MEDIA_TYPES[file.type]
  const ending = file.name.slice(file.name.lastIndexOf('.') + 1).toLowerCase()
  const fits =
    file.name.includes('.') &&
    (ending === extension || OTHER_EXTENSIONS[file.type]?.includes(ending))
  return fits ? file.name : `${file.name}.${extension}`
}

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

// What a shared file must be to be uploaded, attached to a message, signed and downloaded.
import {
  type Attachment,
  fileTooLargeMessage,
  MEDIA_TYPES,
  type MediaType,
} from '../_shared/protocol.ts'
import { ApiError } from './errors.ts'
import type { MediaStore } from './media-store.ts'
import type { UploadState } from './message-store.ts'

/**
 * Where a new file of `room` is stored: under the room's own prefix (which `requireRoomFile`
 * checks), a fresh name, its type's extension.
 *
 * @example newFilePath('standup', 'image/png') // 'standup/5f0c….png'
 */
export function newFilePath(room: string, type: MediaType): string {
  return `${room}/${crypto.randomUUID()}.${MEDIA_TYPES[type]}`
}

/** Refuses a file that is not this room's: each room's files live under its own prefix. */
export function requireRoomFile(room: string, file: Pick<Attachment, 'path' | 'name'>): void {
  if (!file.path.startsWith(`${room}/`)) {
    throw new ApiError(403, 'file_not_in_room', `"${file.name}" belongs to another room.`)
  }
}

/** Refuses a file over `maxBytes` (MEDIA_MAX_BYTES), whether announced or stored that large. */
export function requireFileFits(name: string, size: number, maxBytes: number): void {
  if (size > maxBytes) {
    throw new ApiError(413, 'file_too_large', fileTooLargeMessage(name, size, maxBytes))
  }
}

/**
 * Refuses a message's files unless each is this room's, uploaded completely, within the size
 * limit, and stored as the type and size the message says.
 */
export async function requireUploaded(
  media: Pick<MediaStore, 'stat'>,
  room: string,
  attachments: readonly Attachment[],
  maxBytes: number,
): Promise<void> {
  for (const file of attachments) requireRoomFile(room, file)
  const stored = await Promise.all(attachments.map((file) => media.stat(file.path)))
  attachments.forEach((file, index) => {
    const object = stored[index]
    if (!object) {
      throw new ApiError(
        400,
        'file_not_uploaded',
        `"${file.name}" was never uploaded, or its upload did not finish. Attach it again.`,
      )
    }
    requireFileFits(file.name, object.size, maxBytes)
    if (object.size !== file.size || object.type !== file.type) {
      throw new ApiError(
        400,
        'file_mismatch',
        `"${file.name}" is stored as ${object.type}, ${object.size} bytes, not as the message says.`,
      )
    }
  })
}

/**
 * Refuses to sign a file never granted in this room (404) or whose message was deleted (410).
 * Files not yet attached sign: live receivers ask before the sender's write lands.
 */
export function requireSignable(file: Pick<Attachment, 'name'>, state: UploadState): void {
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

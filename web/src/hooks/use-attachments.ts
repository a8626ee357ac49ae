import { type Attachment, MAX_ATTACHMENTS } from '@shared/protocol.ts'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { RoomApi } from '../core/chat-api.ts'
import { measureMedia } from '../core/media-size.ts'
import { checkFile, isAbortError, uploadFile } from '../core/upload-file.ts'

/** A file in the composer, waiting to be sent. */
export interface PendingFile {
  id: string
  name: string
  type: string
  size: number
  /** A local object URL of the file, for its thumbnail and the sent message until it is stored. */
  preview?: string
  state: 'uploading' | 'done' | 'failed'
  /** 0 to 1. */
  progress: number
  /** Why it was refused or its upload failed. */
  error?: string
  attachment?: Attachment
}

export interface ReadyFile {
  attachment: Attachment
  preview?: string
}

/**
 * The composer's files: each is checked, then measured and uploaded at once, with its progress.
 *
 * Object URLs of previews: a file removed or refused loses its URL at once. A sent file's URL is
 * kept until this hook unmounts (the room is left or the chat panel closed), because the message
 * list shows it until the function hands back signed URLs, and an unsaved message (offline) may
 * wait for that a long time. Files picked from disk are not held in memory by their URLs, so the
 * cost of keeping them is small.
 */
export function useAttachments(api: Pick<RoomApi, 'requestUpload'>) {
  const [files, setFiles] = useState<readonly PendingFile[]>([])
  // Mirrors of what the state holds, for the event handlers: uploads running, slots taken.
  const controllers = useRef(new Map<string, AbortController>())
  const previews = useRef(new Map<string, string>())
  /** Files uploading or uploaded: they count towards MAX_ATTACHMENTS. */
  const taken = useRef(new Set<string>())
  const sentPreviews = useRef<string[]>([])

  const update = useCallback((id: string, change: Partial<PendingFile>) => {
    setFiles((current) => current.map((file) => (file.id === id ? { ...file, ...change } : file)))
  }, [])

  const upload = useCallback(
    async (id: string, file: File, controller: AbortController) => {
      const size = await measureMedia(file)
      if (controller.signal.aborted) return
      // Re-render once per whole percent, not on every progress event.
      let shown = 0
      try {
        const attachment = await uploadFile(
          api,
          { name: file.name, type: file.type, size: file.size, ...size, body: file },
          {
            signal: controller.signal,
            onProgress: (fraction) => {
              const percent = Math.floor(fraction * 100)
              if (percent === shown) return
              shown = percent
              update(id, { progress: fraction })
            },
          },
        )
        update(id, { state: 'done', progress: 1, attachment })
      } catch (error) {
        if (isAbortError(error)) return
        taken.current.delete(id)
        update(id, { state: 'failed', error: (error as Error).message })
      } finally {
        controllers.current.delete(id)
      }
    },
    [api, update],
  )

  const add = useCallback(
    (chosen: readonly File[]) => {
      const added: PendingFile[] = []
      for (const file of chosen) {
        const id = crypto.randomUUID()
        const base = { id, name: file.name, type: file.type, size: file.size, progress: 0 }
        const refused =
          checkFile(file) ??
          (taken.current.size >= MAX_ATTACHMENTS
            ? `${file.name}: a message carries at most ${MAX_ATTACHMENTS} files.`
            : undefined)
        if (refused) {
          added.push({ ...base, state: 'failed', error: refused })
          continue
        }
        const preview = URL.createObjectURL(file)
        const controller = new AbortController()
        previews.current.set(id, preview)
        controllers.current.set(id, controller)
        taken.current.add(id)
        added.push({ ...base, preview, state: 'uploading' })
        void upload(id, file, controller)
      }
      if (added.length > 0) setFiles((current) => [...current, ...added])
    },
    [upload],
  )

  const remove = useCallback((id: string) => {
    controllers.current.get(id)?.abort()
    controllers.current.delete(id)
    taken.current.delete(id)
    const preview = previews.current.get(id)
    if (preview) URL.revokeObjectURL(preview)
    previews.current.delete(id)
    setFiles((current) => current.filter((file) => file.id !== id))
  }, [])

  const ready = useMemo(
    () =>
      files.flatMap((file): ReadyFile[] =>
        file.state === 'done' && file.attachment
          ? [{ attachment: file.attachment, preview: file.preview }]
          : [],
      ),
    [files],
  )

  /** Empties the list once its files are sent; their previews live on (see above). */
  const clear = useCallback(() => {
    const sent = new Set(ready.map((file) => file.preview))
    for (const [id, preview] of previews.current) {
      if (sent.has(preview)) sentPreviews.current.push(preview)
      else {
        controllers.current.get(id)?.abort()
        URL.revokeObjectURL(preview)
      }
    }
    controllers.current.clear()
    previews.current.clear()
    taken.current.clear()
    setFiles([])
  }, [ready])

  // Leaving: uploads stop, and every URL goes.
  useEffect(() => {
    const running = controllers.current
    const pending = previews.current
    const sent = sentPreviews.current
    const slots = taken.current
    return () => {
      for (const controller of running.values()) controller.abort()
      for (const url of [...pending.values(), ...sent]) URL.revokeObjectURL(url)
      running.clear()
      pending.clear()
      sent.length = 0
      slots.clear()
    }
  }, [])

  const busy = files.some((file) => file.state === 'uploading')
  return { files, ready, busy, add, remove, clear }
}

export type Attachments = ReturnType<typeof useAttachments>

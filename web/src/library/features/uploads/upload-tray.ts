import { type Attachment, MAX_ATTACHMENTS } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { Store } from '../../engine/store.ts'
import { type MediaSize, measureMedia } from './media-size.ts'
import { checkFile, isAbortError, type UploadableFile, uploadFile } from './upload-file.ts'

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

/**
 * An uploaded file, ready to go with the message.
 * @public Named by the library's type declarations (the composer's `useAttachments`).
 */
export interface ReadyFile {
  attachment: Attachment
  preview?: string
}

export interface UploadTraySnapshot {
  files: readonly PendingFile[]
  /** The uploaded files, in the order they were added. */
  ready: readonly ReadyFile[]
  /** Some file is still uploading: the message waits for it. */
  busy: boolean
}

export interface UploadTrayOptions {
  api: Pick<RoomApi, 'route'>
  /** One file's upload. Default: uploadFile through `api` (XMLHttpRequest, with retries). */
  upload?: (
    file: UploadableFile,
    options: { signal: AbortSignal; onProgress: (fraction: number) => void },
  ) => Promise<Attachment>
  /** Width and height of images and video. Default: measureMedia (decodes in the browser). */
  measure?: (file: File) => Promise<MediaSize | undefined>
  /** Default: the browser's URL.createObjectURL and URL.revokeObjectURL. */
  objectUrls?: { create: (file: Blob) => string; revoke: (url: string) => void }
}

/**
 * The composer's files, outside React: each is checked, then measured and uploaded at once, with
 * its progress; at most MAX_ATTACHMENTS uploading or uploaded.
 *
 * Object URLs of previews: a file removed or refused loses its URL at once. A sent file's URL is
 * kept until `dispose` (the room is left or the chat panel closed), because the message list
 * shows it until the function hands back signed URLs, and an unsaved message (offline) may wait
 * for that a long time. Files picked from disk are not held in memory by their URLs, so the cost
 * of keeping them is small.
 *
 * @example
 * const tray = new UploadTray({ api })
 * tray.add([file])
 * // once tray.getSnapshot().busy is false: client.send(text, ready attachments), tray.clear()
 */
export class UploadTray extends Store<UploadTraySnapshot> {
  readonly #upload: NonNullable<UploadTrayOptions['upload']>
  readonly #measure: NonNullable<UploadTrayOptions['measure']>
  readonly #urls: NonNullable<UploadTrayOptions['objectUrls']>
  /** Uploads running. */
  readonly #controllers = new Map<string, AbortController>()
  /** Previews of the files in the tray. */
  readonly #previews = new Map<string, string>()
  /** Files uploading or uploaded: they count towards MAX_ATTACHMENTS. */
  readonly #taken = new Set<string>()
  /** Previews of files sent: kept until dispose (see above). */
  #sentPreviews: string[] = []

  constructor(options: UploadTrayOptions) {
    super({ files: [], ready: [], busy: false })
    const { api } = options
    this.#upload = options.upload ?? ((file, upload) => uploadFile(api, file, upload))
    this.#measure = options.measure ?? measureMedia
    this.#urls = options.objectUrls ?? {
      create: (file) => URL.createObjectURL(file),
      revoke: (url) => URL.revokeObjectURL(url),
    }
  }

  /** Adds files (picked, pasted or dropped): refused ones say why, the others start uploading. */
  add = (chosen: readonly File[]): void => {
    const added: PendingFile[] = []
    for (const file of chosen) {
      const id = crypto.randomUUID()
      const base = { id, name: file.name, type: file.type, size: file.size, progress: 0 }
      const refused =
        checkFile(file) ??
        (this.#taken.size >= MAX_ATTACHMENTS
          ? `${file.name}: a message carries at most ${MAX_ATTACHMENTS} files.`
          : undefined)
      if (refused) {
        added.push({ ...base, state: 'failed', error: refused })
        continue
      }
      const preview = this.#urls.create(file)
      const controller = new AbortController()
      this.#previews.set(id, preview)
      this.#controllers.set(id, controller)
      this.#taken.add(id)
      added.push({ ...base, preview, state: 'uploading' })
      void this.#start(id, file, controller)
    }
    if (added.length > 0) this.#setFiles([...this.getSnapshot().files, ...added])
  }

  /** Takes a file out: its upload stops and its preview goes. */
  remove = (id: string): void => {
    this.#controllers.get(id)?.abort()
    this.#controllers.delete(id)
    this.#taken.delete(id)
    const preview = this.#previews.get(id)
    if (preview) this.#urls.revoke(preview)
    this.#previews.delete(id)
    this.#setFiles(this.getSnapshot().files.filter((file) => file.id !== id))
  }

  /** Empties the tray once its files are sent; their previews live on (see above). */
  clear = (): void => {
    const sent = new Set(this.getSnapshot().ready.map((file) => file.preview))
    for (const [id, preview] of this.#previews) {
      if (sent.has(preview)) this.#sentPreviews.push(preview)
      else {
        this.#controllers.get(id)?.abort()
        this.#urls.revoke(preview)
      }
    }
    this.#controllers.clear()
    this.#previews.clear()
    this.#taken.clear()
    this.#setFiles([])
  }

  /** Leaving: uploads stop, and every URL goes. The tray is left empty (and still usable). */
  dispose(): void {
    for (const controller of this.#controllers.values()) controller.abort()
    for (const url of [...this.#previews.values(), ...this.#sentPreviews]) this.#urls.revoke(url)
    this.#controllers.clear()
    this.#previews.clear()
    this.#sentPreviews = []
    this.#taken.clear()
    this.#setFiles([])
  }

  async #start(id: string, file: File, controller: AbortController): Promise<void> {
    const size = await this.#measure(file)
    if (controller.signal.aborted) return
    // A new snapshot once per whole percent, not on every progress event.
    let shown = 0
    try {
      const attachment = await this.#upload(
        { name: file.name, type: file.type, size: file.size, ...size, body: file },
        {
          signal: controller.signal,
          onProgress: (fraction) => {
            const percent = Math.floor(fraction * 100)
            if (percent === shown) return
            shown = percent
            this.#update(id, { progress: fraction })
          },
        },
      )
      this.#update(id, { state: 'done', progress: 1, attachment })
    } catch (error) {
      if (isAbortError(error)) return
      this.#taken.delete(id)
      this.#update(id, { state: 'failed', error: (error as Error).message })
    } finally {
      this.#controllers.delete(id)
    }
  }

  #update(id: string, change: Partial<PendingFile>): void {
    const { files } = this.getSnapshot()
    if (!files.some((file) => file.id === id)) return
    this.#setFiles(files.map((file) => (file.id === id ? { ...file, ...change } : file)))
  }

  #setFiles(files: readonly PendingFile[]): void {
    const ready = files.flatMap((file): ReadyFile[] =>
      file.state === 'done' && file.attachment
        ? [{ attachment: file.attachment, preview: file.preview }]
        : [],
    )
    this.set({ files, ready, busy: files.some((file) => file.state === 'uploading') })
  }
}

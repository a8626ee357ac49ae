import type { Attachment } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import type { Clock } from '../../engine/clock.ts'
import type { Timeline, TimelineAttachment } from '../../engine/timeline.ts'
import { signAttachments } from './uploads-api.ts'
import { UrlRefresher } from './url-refresh.ts'

export interface AttachmentUrlsOptions {
  api: Pick<RoomApi, 'route'>
  timeline: Timeline
  clock: Clock
  changed: () => void
  disposed: () => boolean
  log: (message: string, detail?: unknown) => void
}

/**
 * The signed URLs of the files shown: asked for files announced live (the live channel carries
 * none), and signed again before they expire on a page left open.
 */
export class AttachmentUrls {
  readonly #options: AttachmentUrlsOptions
  readonly #refresher: UrlRefresher

  constructor(options: AttachmentUrlsOptions) {
    this.#options = options
    this.#refresher = new UrlRefresher({
      clock: options.clock,
      shown: () => options.timeline.list().map((message) => message.attachments),
      sign: (files) => signAttachments(options.api, files),
      apply: (signed) => {
        if (options.timeline.replaceUrls(signed) > 0) options.changed()
      },
      log: options.log,
    })
  }

  /** Files now shown with URLs: they are signed again before they expire. */
  note(files: readonly TimelineAttachment[]): void {
    this.#refresher.note(files)
  }

  /** Live messages carry files without URLs: the function signs them for this room's members. */
  signLive(id: string, attachments: readonly Attachment[]): void {
    const { api, timeline, changed, disposed, log } = this.#options
    signAttachments(api, attachments).then(
      (signed) => {
        if (disposed()) return
        timeline.setAttachments(id, signed)
        this.#refresher.note(signed)
        changed()
      },
      (error) => log(`could not get the files of message ${id}`, error),
    )
  }

  dispose(): void {
    this.#refresher.dispose()
  }
}

import { type Attachment, MAX_ATTACHMENTS } from '@shared/protocol.ts'
import { ChatApiError } from '../../engine/chat-api.ts'
import type { Clock } from '../../engine/clock.ts'
import type { TimelineAttachment } from '../../engine/timeline.ts'

/** URLs are signed again this long before they expire (or at half their life, if shorter). */
export const REFRESH_LEAD_MS = 5 * 60_000
/** Never sooner than this after the last look, whatever the URLs' lifetime. */
const MIN_REFRESH_DELAY_MS = 10_000
/** After a failure worth retrying (network, server, rate limit). */
const RETRY_DELAY_MS = 60_000

export interface UrlRefreshOptions {
  clock: Clock
  /** The files of every message shown, message by message. */
  shown: () => Iterable<readonly TimelineAttachment[]>
  /** The function's `attachments/sign`: at most MAX_ATTACHMENTS files a call. */
  sign: (files: readonly Attachment[]) => Promise<TimelineAttachment[]>
  /** Shows the new URLs. */
  apply: (signed: readonly TimelineAttachment[]) => void
  log: (message: string, detail?: unknown) => void
}

/**
 * Keeps the signed URLs of the files shown valid on a page that stays open longer than they last:
 * one timer, set for shortly before the earliest expiry, then one batch of sign requests for every
 * file close to expiring. A file the function will not sign (deleted with its message, or gone from
 * storage) is not asked for again.
 */
export class UrlRefresher {
  readonly #options: UrlRefreshOptions
  #timer: unknown
  #dueAt: number | undefined
  #running = false
  #disposed = false
  readonly #unsignable = new Set<string>()

  constructor(options: UrlRefreshOptions) {
    this.#options = options
  }

  /** Files now shown: their URLs are signed again before they expire. */
  note(files: readonly TimelineAttachment[]): void {
    for (const file of files) {
      const expiry = expiryOf(file)
      if (expiry !== undefined) this.#scheduleFor(expiry)
    }
  }

  dispose(): void {
    this.#disposed = true
    if (this.#dueAt !== undefined) this.#options.clock.clearTimeout(this.#timer)
    this.#dueAt = undefined
  }

  #scheduleFor(expiry: number): void {
    const now = this.#options.clock.now()
    const left = expiry - now
    this.#scheduleAt(
      now + Math.max(MIN_REFRESH_DELAY_MS, left - Math.min(REFRESH_LEAD_MS, left / 2)),
    )
  }

  #scheduleAt(at: number): void {
    if (this.#disposed || (this.#dueAt !== undefined && this.#dueAt <= at)) return
    const { clock } = this.#options
    if (this.#dueAt !== undefined) clock.clearTimeout(this.#timer)
    this.#dueAt = at
    this.#timer = clock.setTimeout(() => {
      this.#dueAt = undefined
      void this.#refresh()
    }, at - clock.now())
  }

  async #refresh(): Promise<void> {
    const now = this.#options.clock.now()
    if (this.#running) return this.#scheduleAt(now + MIN_REFRESH_DELAY_MS)
    this.#running = true
    try {
      const due: Attachment[][] = []
      for (const files of this.#options.shown()) {
        const expiring = files.filter((file) => {
          const expiry = expiryOf(file)
          if (expiry === undefined || this.#unsignable.has(file.path)) return false
          if (expiry <= now + REFRESH_LEAD_MS) return true
          this.#scheduleFor(expiry)
          return false
        })
        if (expiring.length > 0) due.push(expiring.map(plainAttachment))
      }
      for (const batch of batches(due)) await this.#sign(batch)
    } finally {
      this.#running = false
    }
  }

  /** Signs one batch (the files of one or more messages); on a refusal, each message alone. */
  async #sign(messages: readonly Attachment[][]): Promise<void> {
    if (this.#disposed) return
    try {
      const signed = await this.#options.sign(messages.flat())
      if (this.#disposed) return
      for (const file of signed) if (!file.url) this.#unsignable.add(file.path)
      this.#options.apply(signed)
      this.note(signed)
    } catch (error) {
      if (!(error instanceof ChatApiError) || error.retryable) {
        this.#options.log('could not sign files again; retrying in a minute', error)
        this.#scheduleAt(this.#options.clock.now() + RETRY_DELAY_MS)
      } else if (messages.length > 1) {
        for (const files of messages) await this.#sign([files])
      } else {
        this.#options.log('the function will not sign these files again', error)
        for (const file of messages[0] ?? []) this.#unsignable.add(file.path)
      }
    }
  }
}

function expiryOf(file: TimelineAttachment): number | undefined {
  if (!file.url || !file.urlExpiresAt) return undefined
  const expiry = Date.parse(file.urlExpiresAt)
  return Number.isNaN(expiry) ? undefined : expiry
}

/** Whole messages' files, packed into requests of at most MAX_ATTACHMENTS files. */
function batches(messages: readonly Attachment[][]): Attachment[][][] {
  const packed: Attachment[][][] = []
  let current: Attachment[][] = []
  let count = 0
  for (const files of messages) {
    if (count + files.length > MAX_ATTACHMENTS && current.length > 0) {
      packed.push(current)
      current = []
      count = 0
    }
    current.push(files)
    count += files.length
  }
  if (current.length > 0) packed.push(current)
  return packed
}

/** The file as the function takes it: its metadata, without the URL it was shown with. */
function plainAttachment(file: TimelineAttachment): Attachment {
  const { path, name, type, size, width, height } = file
  return {
    path,
    name,
    type,
    size,
    ...(width !== undefined ? { width } : {}),
    ...(height !== undefined ? { height } : {}),
  }
}

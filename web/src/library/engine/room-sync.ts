import type { StoredMessage } from '@shared/protocol.ts'
import type { RoomApi } from './chat-api.ts'
import { MergedRead } from './notice-merge.ts'
import type { Timeline } from './timeline.ts'

const HISTORY_PAGE_SIZE = 50
const CATCH_UP_PAGE_SIZE = 200

/** Older history: whether there is more, whether a page is loading, why it failed. */
export interface HistoryState {
  loaded: boolean
  hasOlder: boolean
  loading: boolean
  error?: string
}

export interface RoomSyncOptions {
  api: Pick<RoomApi, 'loadHistoryPage' | 'loadChanges'>
  timeline: Timeline
  /** Shows stored messages; `older` for a page of older history (not news). */
  addStored: (messages: readonly StoredMessage[], older?: boolean) => void
  changed: () => void
  disposed: () => boolean
  log: (message: string, detail?: unknown) => void
}

/**
 * What the room's store says, read over HTTP: the newest page of history, older pages on request,
 * and catch-ups by revision (what was written, edited or deleted since this client last read).
 */
export class RoomSync {
  readonly #options: RoomSyncOptions
  #history: HistoryState = { loaded: false, hasOlder: false, loading: true }
  /** Catch-ups, merged: a burst of announcements costs the one in flight and one more. */
  readonly #catchUps = new MergedRead(() =>
    this.#options.disposed() ? Promise.resolve() : this.#catchUpOnce(),
  )
  /** The older page being read: whoever asks meanwhile waits for it instead of a second one. */
  #older: Promise<void> | undefined
  /**
   * The revision up to which this client has read the room's changes from the server (the newest
   * page, then catch-ups). Not advanced by own writes: their revisions can lie beyond changes
   * missed in a drop noticed late.
   */
  #syncedRevision = 0

  constructor(options: RoomSyncOptions) {
    this.#options = options
  }

  get history(): HistoryState {
    return this.#history
  }

  /** Loads the newest page; a failure shows as the history's error. */
  async loadNewest(): Promise<void> {
    try {
      const page = await this.#options.api.loadHistoryPage({ limit: HISTORY_PAGE_SIZE })
      this.#options.addStored(page.messages)
      this.#syncedRevision = page.revision
      this.#history = { loaded: true, hasOlder: page.hasMore, loading: false }
    } catch (error) {
      this.#history = {
        loaded: true,
        hasOlder: false,
        loading: false,
        error: (error as Error).message,
      }
    }
  }

  /** Loads the page of history before the oldest message shown (the one being loaded, if any). */
  loadOlder(): Promise<void> {
    this.#older ??= this.#loadOlderOnce().finally(() => {
      this.#older = undefined
    })
    return this.#older
  }

  async #loadOlderOnce(): Promise<void> {
    const { api, timeline, addStored, changed } = this.#options
    const before = timeline.oldestSeq()
    if (!this.#history.hasOlder || this.#history.loading || before === undefined) return
    this.#history = { ...this.#history, loading: true, error: undefined }
    changed()
    try {
      const page = await api.loadHistoryPage({ before, limit: HISTORY_PAGE_SIZE })
      addStored(page.messages, true)
      this.#history = { ...this.#history, hasOlder: page.hasMore, loading: false }
    } catch (error) {
      this.#history = { ...this.#history, loading: false, error: (error as Error).message }
    }
    changed()
  }

  /**
   * Reads everything written, edited or deleted since this client last read the room: what was
   * said while away, and deletions made by others (a room owner, or ops in Studio). Messages
   * already shown come back too; the timeline merges them by id.
   */
  sync(): Promise<void> {
    if (!this.#history.loaded || this.#options.disposed()) return Promise.resolve()
    return this.#catchUps.run()
  }

  async #catchUpOnce(): Promise<void> {
    const { api, timeline, addStored, changed, disposed, log } = this.#options
    try {
      for (;;) {
        const page = await api.loadChanges({
          since: this.#syncedRevision,
          limit: CATCH_UP_PAGE_SIZE,
        })
        if (disposed()) return
        addStored(
          page.changes.flatMap((change) =>
            change.type === 'message' && this.#shows(change.message) ? [change.message] : [],
          ),
        )
        for (const change of page.changes) {
          if (change.type === 'deleted') timeline.markDeleted(change.id)
        }
        this.#forgetPurged(page.firstSeq)
        this.#syncedRevision = page.revision
        changed()
        if (!page.hasMore) break
      }
    } catch (error) {
      log('could not catch up with the room', error)
    }
  }

  /**
   * Whether a changed message belongs in what this client shows: newer than the oldest message
   * loaded, or already shown. One older than that (edited, reacted to) is left to come, as it
   * is by then, with its page of older history: shown now, it would become the oldest message
   * and the pages before it would skip everything between it and the history loaded.
   */
  #shows(message: StoredMessage): boolean {
    const { timeline } = this.#options
    const oldest = timeline.oldestSeq()
    return (
      !this.#history.hasOlder ||
      oldest === undefined ||
      message.seq >= oldest ||
      timeline.has(message.id)
    )
  }

  /** Retention removed messages for good (no change says so): whatever is below firstSeq goes. */
  #forgetPurged(firstSeq: number | null): void {
    const { timeline } = this.#options
    if (!timeline.forgetStoredBefore(firstSeq)) return
    const oldest = timeline.oldestSeq()
    if (firstSeq === null || oldest === undefined || oldest <= firstSeq) {
      this.#history = { ...this.#history, hasOlder: false }
    }
  }
}

import { Store } from '../../engine/store.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'

/** How many of the latest arrivals are kept with their messages (the announcer reads at most these). */
export const RECENT_ARRIVALS = 5

/**
 * Which messages are new, decided once for everything that tells the reader about them (the
 * unread count on the Chat button, the list's "New messages", the screen-reader announcements).
 * A message is new when it first shows up in the conversation and is someone else's, unless it
 * came in a page of older history the reader scrolled up for.
 */
export interface Arrivals {
  /** New messages since the client started; only ever grows. Readers compare it with a mark. */
  count: number
  /** The last RECENT_ARRIVALS of them, oldest first. */
  recent: readonly TimelineMessage[]
}

/**
 * Notes every message the conversation shows, and counts the new ones (see Arrivals): a store
 * (`subscribe`/`getSnapshot`) that ChatClient exposes as `arrivals`.
 */
export class ArrivalLog extends Store<Arrivals> {
  readonly #seen = new Set<string>()

  constructor() {
    super({ count: 0, recent: [] })
  }

  /** Messages about to be shown that are not news: a page of older history. */
  skip(ids: Iterable<string>): void {
    for (const id of ids) this.#seen.add(id)
  }

  /**
   * The conversation now shows `messages` (those that joined it, see Timeline.takeAdded): the new
   * ones among them are counted, once each.
   */
  observe(messages: readonly TimelineMessage[]): void {
    const fresh: TimelineMessage[] = []
    for (const message of messages) {
      if (this.#seen.has(message.id)) continue
      this.#seen.add(message.id)
      if (!message.own) fresh.push(message)
    }
    if (fresh.length === 0) return
    const { count, recent } = this.getSnapshot()
    this.set({ count: count + fresh.length, recent: [...recent, ...fresh].slice(-RECENT_ARRIVALS) })
  }
}

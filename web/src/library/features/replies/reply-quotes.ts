import { plainLine } from '@shared/message-format.ts'
import type { StoredMessage } from '@shared/protocol.ts'
import { ChatApiError, type RoomApi } from '../../engine/chat-api.ts'
import { Store } from '../../engine/store.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'

/** At most this much of a message's first line shows in a quote (the rest is cut by CSS anyway). */
const QUOTE_CHARS = 200

/**
 * What a reply shows of the message it answers (its parent, `id`):
 * - `shown`: who sent it and its first line;
 * - `deleted`: it was deleted ("Message deleted");
 * - `unavailable`: not shown here and not to be had from the function (purged, or unreachable);
 * - `loading`: being fetched.
 */
export type ReplyQuote =
  | { state: 'shown'; id: string; senderName: string; text: string }
  | { state: 'deleted' | 'unavailable' | 'loading'; id: string }

/**
 * The first line of a message as a quote shows it, without formatting markers (as the reader
 * saw it); the first file's name for files alone.
 */
export function firstLine(message: Pick<TimelineMessage, 'body' | 'attachments'>): string {
  // The first line that shows something: a fence or a lone ">" on its own line shows nothing.
  const shown = message.body
    .split('\n', 5)
    .map(plainLine)
    .find((line) => line !== '')
  const line = shown || message.attachments[0]?.name || ''
  const chars = [...line]
  return chars.length > QUOTE_CHARS ? `${chars.slice(0, QUOTE_CHARS).join('')}…` : line
}

type Fetched =
  | { state: 'loading'; done: Promise<void> }
  | { state: 'found'; message: StoredMessage }
  | { state: 'unavailable' }

export interface ReplyQuotesOptions {
  api: Pick<RoomApi, 'loadMessage'>
  disposed: () => boolean
  log: (message: string, detail?: unknown) => void
}

/**
 * The quotes of replies: each parent taken from the messages shown when it is among them, else
 * fetched once (GET /rooms/:room/messages/:id) and kept, so a quote costs at most one request per
 * parent for the life of the page, however often it renders. A quote keeps its identity while its
 * parent does not change, so a memoized message does not render again for nothing. As a store, its
 * snapshot is a count of fetches ended: a reply whose parent is not shown reads its quote again
 * when it moves.
 */
export class ReplyQuotes extends Store<number> {
  readonly #options: ReplyQuotesOptions
  readonly #fetched = new Map<string, Fetched>()
  /** The last quote made per parent, and what it was made from. */
  readonly #made = new Map<string, { from: unknown; quote: ReplyQuote }>()
  constructor(options: ReplyQuotesOptions) {
    super(0)
    this.#options = options
  }

  /**
   * The seq of a message of the room, fetching it if it was never fetched (undefined when it is
   * not to be had): how far back older history must be read to show it.
   */
  async seqOf(id: string): Promise<number | undefined> {
    let fetched = this.#fetched.get(id)
    if (!fetched || fetched.state === 'unavailable') fetched = this.#fetch(id)
    if (fetched.state === 'loading') {
      await fetched.done
      fetched = this.#fetched.get(id)
    }
    return fetched?.state === 'found' ? fetched.message.seq : undefined
  }

  /**
   * The quote of the message `id`, from `parent` when it is shown (the timeline's message), else
   * as fetched: the first ask starts the fetch, and the store moves when it ends.
   */
  quote(id: string, parent: TimelineMessage | undefined): ReplyQuote {
    const fetched = parent ? undefined : (this.#fetched.get(id) ?? this.#fetch(id))
    const from = parent ?? fetched
    const made = this.#made.get(id)
    if (made && made.from === from) return made.quote
    let quote: ReplyQuote
    if (parent) {
      quote = parent.deleted
        ? { state: 'deleted', id }
        : { state: 'shown', id, senderName: parent.sender.name, text: firstLine(parent) }
    } else if (fetched?.state === 'found') {
      const { message } = fetched
      quote = { state: 'shown', id, senderName: message.sender.name, text: firstLine(message) }
    } else {
      quote = { state: fetched?.state ?? 'unavailable', id }
    }
    this.#made.set(id, { from, quote })
    return quote
  }

  #fetch(id: string): Fetched {
    const { api, disposed, log } = this.#options
    const done = api.loadMessage(id).then(
      (message) => {
        this.#fetched.set(id, { state: 'found', message })
      },
      (error: unknown) => {
        // Gone (404) is what it says; anything else is logged, and seqOf may ask again.
        if (!(error instanceof ChatApiError && error.status === 404)) {
          log('could not fetch a message a reply quotes', error)
        }
        this.#fetched.set(id, { state: 'unavailable' })
      },
    )
    const loading: Fetched = {
      state: 'loading',
      done: done.then(() => {
        if (!disposed()) this.set(this.getSnapshot() + 1)
      }),
    }
    this.#fetched.set(id, loading)
    return loading
  }
}

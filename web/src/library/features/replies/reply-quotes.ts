import { plainLine } from '@shared/message-format.ts'
import type { StoredMessage } from '@shared/protocol.ts'
import { ChatApiError, type RoomApi } from '../../engine/chat-api.ts'
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
  /** Something fetched: the snapshot should be built again. */
  changed: () => void
  disposed: () => boolean
  log: (message: string, detail?: unknown) => void
}

const NO_QUOTES: ReadonlyMap<string, ReplyQuote> = new Map()

/**
 * The quotes of replies: each parent taken from the messages shown when it is among them, else
 * fetched once (GET /rooms/:room/messages/:id) and kept, so a quote costs at most one request per
 * parent for the life of the page, however often it renders. A quote keeps its identity while its
 * parent does not change, so a memoized message does not render again for nothing.
 */
export class ReplyQuotes {
  readonly #options: ReplyQuotesOptions
  readonly #fetched = new Map<string, Fetched>()
  /** The last quote made per parent, and what it was made from. */
  readonly #made = new Map<string, { from: unknown; quote: ReplyQuote }>()
  #last: { messages: readonly TimelineMessage[]; version: number; quotes: typeof NO_QUOTES } = {
    messages: [],
    version: -1,
    quotes: NO_QUOTES,
  }
  /** Bumped when a fetch ends: the same messages then quote differently. */
  #version = 0

  constructor(options: ReplyQuotesOptions) {
    this.#options = options
  }

  /** The quote of every message that `messages` reply to, by the parent's id. */
  quotesFor(messages: readonly TimelineMessage[]): ReadonlyMap<string, ReplyQuote> {
    const last = this.#last
    if (last.messages === messages && last.version === this.#version) return last.quotes
    const parents = new Set<string>()
    for (const message of messages) {
      if (message.replyTo && !message.deleted) parents.add(message.replyTo)
    }
    let quotes = NO_QUOTES
    if (parents.size > 0) {
      const shown = new Map(messages.map((message) => [message.id, message]))
      quotes = new Map([...parents].map((id) => [id, this.#quote(id, shown.get(id))]))
    }
    this.#last = { messages, version: this.#version, quotes }
    return quotes
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

  #quote(id: string, parent: TimelineMessage | undefined): ReplyQuote {
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
    const { api, changed, disposed, log } = this.#options
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
        this.#version++
        if (!disposed()) changed()
      }),
    }
    this.#fetched.set(id, loading)
    return loading
  }
}

import { MAX_SEARCH_CHARS, type StoredMessage, searchWords } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { type Clock, systemClock } from '../../engine/clock.ts'
import { Store } from '../../engine/store.ts'
import { searchMessages } from './search-api.ts'

/** How long typing must pause before a search goes out. */
export const SEARCH_DEBOUNCE_MS = 250

export interface SearchState {
  /** What the reader typed. */
  query: string
  /** The words searched for (what results highlight); [] when there is nothing to search. */
  words: readonly string[]
  /** Matching messages, newest first. */
  results: readonly StoredMessage[]
  /** More (older) results can be loaded with `more()`. */
  hasMore: boolean
  /**
   * `idle`: nothing to search; `searching`: a request is on its way (the results shown are the
   * previous ones); `done`; `failed` (with `error`, what went wrong in words).
   */
  status: 'idle' | 'searching' | 'done' | 'failed'
  error?: string
}

const IDLE: SearchState = { query: '', words: [], results: [], hasMore: false, status: 'idle' }

/**
 * Searching one room's messages as the reader types: a request once typing pauses, the newest
 * matches first, older ones on `more()`. An answer to a query the reader has since changed is
 * dropped, so the results always belong to what the field says.
 */
export class MessageSearch extends Store<SearchState> {
  readonly #api: Pick<RoomApi, 'route'>
  readonly #clock: Clock
  #timer: unknown
  /** Counts requests: only the latest one's answer is shown. */
  #latest = 0

  constructor(options: { api: Pick<RoomApi, 'route'>; clock?: Clock }) {
    super(IDLE)
    this.#api = options.api
    this.#clock = options.clock ?? systemClock
  }

  /** The reader typed `query`: searches once they pause (nothing to search clears the results). */
  setQuery(query: string): void {
    const bounded = query.slice(0, MAX_SEARCH_CHARS)
    const words = searchWords(bounded)
    this.#cancel()
    if (words.length === 0) {
      this.set({ ...IDLE, query })
      return
    }
    this.set({ ...this.getSnapshot(), query, status: 'searching', error: undefined })
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      void this.#load(bounded, words)
    }, SEARCH_DEBOUNCE_MS)
  }

  /** Loads the next page of older results. */
  more(): Promise<void> {
    const state = this.getSnapshot()
    const oldest = state.results.at(-1)
    if (!state.hasMore || !oldest || state.status === 'searching') return Promise.resolve()
    this.set({ ...state, status: 'searching' })
    return this.#load(state.query.slice(0, MAX_SEARCH_CHARS), state.words, oldest.seq)
  }

  /** Clears the query and the results. */
  clear(): void {
    this.#cancel()
    this.set(IDLE)
  }

  #cancel() {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#latest += 1
  }

  async #load(q: string, words: readonly string[], before?: number): Promise<void> {
    const request = ++this.#latest
    try {
      const page = await searchMessages(this.#api, before === undefined ? { q } : { q, before })
      if (request !== this.#latest) return
      const previous = before === undefined ? [] : this.getSnapshot().results
      this.set({
        query: this.getSnapshot().query,
        words,
        results: [...previous, ...page.messages],
        hasMore: page.hasMore,
        status: 'done',
      })
    } catch (error) {
      if (request !== this.#latest) return
      this.set({ ...this.getSnapshot(), status: 'failed', error: (error as Error).message })
    }
  }
}

/**
 * A text split where search words start, for highlighting: each part says whether it is a
 * match. A word of the text matches when it starts with one of `words` (any case).
 *
 * @example highlightWords('Ship it Friday', ['fri']) // [{text: 'Ship it ', match: false}, {text: 'Fri', match: true}, {text: 'day', match: false}]
 */
export function highlightWords(
  text: string,
  words: readonly string[],
): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = []
  const push = (part: string, match: boolean) => {
    if (part === '') return
    const last = parts.at(-1)
    if (last && last.match === match) last.text += part
    else parts.push({ text: part, match })
  }
  const wordPattern = /[\p{L}\p{N}]+/gu
  let at = 0
  for (const found of text.matchAll(wordPattern)) {
    const start = found.index
    const lower = found[0].toLowerCase()
    const longest = words.reduce(
      (best, word) => (lower.startsWith(word) && word.length > best ? word.length : best),
      0,
    )
    push(text.slice(at, start), false)
    push(found[0].slice(0, longest), true)
    push(found[0].slice(longest), false)
    at = start + found[0].length
  }
  push(text.slice(at), false)
  return parts
}

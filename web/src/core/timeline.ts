import type { StoredMessage } from '../../../functions/chat/protocol.ts'

/**
 * Where a message stands, as the reader sees it:
 * - `sending`: own message, first write in flight;
 * - `retrying`: own message, a write failed and another is scheduled ("not saved — retrying");
 * - `failed`: own message, the outbox gave up (a Retry action is offered);
 * - `saved`: stored by the function (has a `seq`);
 * - `live`: someone else's message received live, not known to be stored yet;
 * - `not-saved`: received live from a source that never stores (Daily Prebuilt's chat).
 */
export type MessageStatus = 'sending' | 'retrying' | 'failed' | 'saved' | 'live' | 'not-saved'

export interface TimelineMessage {
  id: string
  sender: { id: string; name: string }
  body: string
  /** ISO time: the server's once stored, the sender's clock before. */
  createdAt: string
  seq?: number
  status: MessageStatus
  /** Sent by this user (same user id as the token's). */
  own: boolean
  /** Why the last write failed, for `retrying` and `failed`. */
  error?: string
}

export type NewTimelineMessage = Omit<TimelineMessage, 'seq'>

/**
 * The conversation as one ordered list, merged from history pages and live messages without
 * duplicates. Order: stored messages by `seq`; a message not stored (yet) sorts right after the
 * newest stored message known when it arrived, and after earlier such arrivals.
 */
export class Timeline {
  /** Adds stored messages (any page, any order); known ids gain their seq and become `saved`. */
  addStored(_messages: readonly StoredMessage[]): void {
    throw new Error('not implemented')
  }

  /** Adds a message not stored (yet). Returns false, changing nothing, if the id is known. */
  addUnsaved(_message: NewTimelineMessage): boolean {
    throw new Error('not implemented')
  }

  /** Changes the status (and error) of a known message. Returns false if the id is unknown. */
  setStatus(_id: string, _status: MessageStatus, _error?: string): boolean {
    throw new Error('not implemented')
  }

  has(_id: string): boolean {
    throw new Error('not implemented')
  }

  get(_id: string): TimelineMessage | undefined {
    throw new Error('not implemented')
  }

  /** The ordered messages. A new array only after a change, so it can serve as React state. */
  list(): readonly TimelineMessage[] {
    throw new Error('not implemented')
  }

  /** The highest seq known: the cursor for filling a gap (`after=`). */
  newestSeq(): number | undefined {
    throw new Error('not implemented')
  }

  /** The lowest seq known: the cursor for loading older history (`before=`). */
  oldestSeq(): number | undefined {
    throw new Error('not implemented')
  }
}

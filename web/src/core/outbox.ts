import type { StoredMessage } from '../../../functions/chat/protocol.ts'
import type { Clock } from './clock.ts'

/** A message waiting to be written (`pending`) or given up on (`failed`). */
export interface OutboxEntry {
  id: string
  room: string
  body: string
  /** Sender's ISO time at send. */
  createdAt: string
  attempts: number
  state: 'pending' | 'failed'
  /** Why the last attempt failed. */
  error?: string
}

/** What one write attempt came to. */
export type PersistResult =
  | { ok: true; message: StoredMessage }
  | {
      ok: false
      /** false: no point retrying (400, 403, 409...): the entry fails at once. */
      retryable: boolean
      error: string
      /** The server's Retry-After, in ms. */
      retryAfterMs?: number
    }

/** The parts of localStorage the outbox uses. */
export type OutboxStorage = Pick<Storage, 'getItem' | 'setItem'>

export interface OutboxOptions {
  /** Where entries are kept so they survive a reload; one key per room and user. */
  storage: OutboxStorage
  storageKey: string
  /** One write attempt. It may throw (network error): that counts as retryable. */
  persist: (entry: OutboxEntry) => Promise<PersistResult>
  clock: Clock
  /** Called after every change of an entry; `stored` is set once it is written. */
  onChange: (entry: OutboxEntry, stored?: StoredMessage) => void
  /** Attempts before giving up (state `failed`). Default 6. */
  maxAttempts?: number
  /** First retry delay in ms, doubled each time up to `maxDelayMs`. Defaults 1000 and 30000. */
  baseDelayMs?: number
  maxDelayMs?: number
}

/**
 * Writes own messages to the function, retrying with backoff, and keeps what is not written yet
 * in storage so that a reload resumes it. Retries reuse the message id, so nothing is stored twice.
 */
export class Outbox {
  constructor(_options: OutboxOptions) {
    throw new Error('not implemented')
  }

  /** Entries restored from storage (pending and failed), oldest first. */
  entries(): OutboxEntry[] {
    throw new Error('not implemented')
  }

  /** Keeps the entry and makes the first attempt now. */
  add(_entry: Omit<OutboxEntry, 'attempts' | 'state'>): void {
    throw new Error('not implemented')
  }

  /** Schedules attempts for restored pending entries (after a reload). */
  resume(): void {
    throw new Error('not implemented')
  }

  /** Tries a failed (or pending) entry again now, with a fresh count of attempts. */
  retry(_id: string): void {
    throw new Error('not implemented')
  }

  /** Stops all timers; entries stay in storage. */
  dispose(): void {
    throw new Error('not implemented')
  }
}

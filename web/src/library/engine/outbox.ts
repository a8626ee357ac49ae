import {
  type Attachment,
  attachmentSchema,
  type Mention,
  mentionSchema,
  type NewPoll,
  newPollSchema,
  type StoredMessage,
} from '@shared/protocol.ts'
import { z } from 'zod'
import { ChatApiError } from './chat-api.ts'
import type { Clock } from './clock.ts'

/** A message waiting to be written (`pending`) or given up on (`failed`). */
export interface OutboxEntry {
  id: string
  room: string
  body: string
  attachments: Attachment[]
  /** The message this one replies to, if any. */
  replyTo?: string
  /** Whom it mentions, if anyone. */
  mentions?: Mention[]
  /** A private message: whom it is for (user id, and name as shown). */
  to?: string
  toName?: string
  /** A poll: its options (the text is its question). */
  poll?: NewPoll
  /** Sender's ISO time at send. */
  createdAt: string
  attempts: number
  state: 'pending' | 'failed'
  /** Why the last attempt failed. */
  error?: string
}

/** The parts of localStorage the outbox uses. */
export type OutboxStorage = Pick<Storage, 'getItem' | 'setItem'>

export interface OutboxOptions {
  /** Where entries are kept so they survive a reload; one key per room and user. */
  storage: OutboxStorage
  storageKey: string
  /**
   * One write attempt: the stored message. A ChatApiError says whether to try again (`retryable`:
   * the network, the server, a rate limit; not a refusal such as 400, 403 or 409, which fails the
   * entry at once) and when (`retryAfterMs`); anything else thrown counts as a network error.
   */
  persist: (entry: OutboxEntry) => Promise<StoredMessage>
  clock: Clock
  /** Called after every change of an entry; `stored` is set once it is written. */
  onChange: (entry: OutboxEntry, stored?: StoredMessage) => void
  /**
   * Attempts before giving up (state `failed`). Default 10: with the default delays (1, 2, 4, 8 s,
   * then every 15 s) the outbox keeps trying for about a minute and a half, longer than a database
   * restart takes.
   */
  maxAttempts?: number
  /** First retry delay in ms, doubled each time up to `maxDelayMs`. Defaults 1000 and 15000. */
  baseDelayMs?: number
  maxDelayMs?: number
}

/**
 * Writes own messages to the function, retrying with backoff, and keeps what is not written yet
 * in storage so that a reload resumes it. Retries reuse the message id, so nothing is stored twice.
 */
export class Outbox {
  private readonly options: OutboxOptions
  private readonly maxAttempts: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  // Insertion order is the order entries were added (or restored), oldest first.
  private readonly items = new Map<string, OutboxEntry>()
  private readonly timers = new Map<string, unknown>()
  private readonly inFlight = new Map<string, Promise<void>>()
  // Ids whose retry() came while an attempt was in flight: they go again once it ends.
  private readonly retryAfterFlight = new Set<string>()
  private disposed = false

  constructor(options: OutboxOptions) {
    this.options = options
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS
    for (const entry of load(options.storage, options.storageKey)) this.items.set(entry.id, entry)
  }

  /** Entries restored from storage (pending and failed), oldest first. */
  entries(): OutboxEntry[] {
    return [...this.items.values()].map((entry) => ({ ...entry }))
  }

  /** Keeps the entry and makes the first attempt now. */
  add(entry: Omit<OutboxEntry, 'attempts' | 'state'>): void {
    // A known id is already on its way (or failed, waiting for retry): adding it again would
    // only reset its count.
    if (this.disposed || this.items.has(entry.id)) return
    const { error: _none, ...fields } = entry
    this.update({ ...fields, attempts: 0, state: 'pending' })
    void this.attempt(entry.id)
  }

  /**
   * Schedules attempts for restored pending entries (after a reload).
   * The attempts start at once, inside this call, like add()'s first attempt; entries already
   * in flight or waiting for a backoff timer are left as they are.
   */
  resume(): void {
    if (this.disposed) return
    for (const entry of [...this.items.values()]) {
      if (entry.state !== 'pending' || this.timers.has(entry.id)) continue
      void this.attempt(entry.id)
    }
  }

  /** Tries a failed (or pending) entry again now, with a fresh count of attempts. */
  retry(id: string): void {
    const entry = this.items.get(id)
    if (this.disposed || !entry) return
    const { error: _previous, ...fields } = entry
    this.update({ ...fields, attempts: 0, state: 'pending' })
    if (this.inFlight.has(id)) this.retryAfterFlight.add(id)
    else void this.attempt(id)
  }

  /** Stops all timers; entries stay in storage. */
  dispose(): void {
    this.disposed = true
    for (const handle of this.timers.values()) this.options.clock.clearTimeout(handle)
    this.timers.clear()
    this.retryAfterFlight.clear()
  }

  /**
   * Resolves once the attempts in flight now have ended and their outcomes are handled; for tests
   * (attempts started meanwhile, by a retry or a timer, are not waited for).
   */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight.values())
  }

  private attempt(id: string): Promise<void> {
    const entry = this.items.get(id)
    const running = this.inFlight.get(id)
    if (running) return running
    if (this.disposed || !entry) return Promise.resolve()
    this.clearTimer(id)
    const attempting: OutboxEntry = { ...entry, attempts: entry.attempts + 1 }
    // Not saved nor reported: the count matters only with the attempt's outcome.
    this.items.set(id, attempting)
    const flight = this.run(attempting).finally(() => {
      this.inFlight.delete(id)
      if (this.retryAfterFlight.delete(id)) void this.attempt(id)
    })
    this.inFlight.set(id, flight)
    return flight
  }

  private async run(attempting: OutboxEntry): Promise<void> {
    let stored: StoredMessage
    try {
      stored = await this.options.persist({ ...attempting })
    } catch (error) {
      if (!this.disposed) this.failed(attempting, failureOf(error))
      return
    }
    if (this.disposed) return
    const id = attempting.id
    this.retryAfterFlight.delete(id)
    const written = this.items.get(id) ?? attempting
    this.items.delete(id)
    this.save()
    this.options.onChange(written, stored)
  }

  /** After a failed attempt: another one later, or, for a refusal or the last attempt, failed. */
  private failed(attempting: OutboxEntry, failure: Failure): void {
    const id = attempting.id
    // retry() may have reset the entry meanwhile; the attempt it asked for runs next.
    if (this.retryAfterFlight.has(id)) return
    const { attempts } = attempting
    if (!failure.retryable || attempts >= this.maxAttempts) {
      this.update({ ...attempting, state: 'failed', error: failure.error })
      return
    }
    const backoff = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1))
    const delay = Math.max(failure.retryAfterMs ?? 0, backoff)
    this.update({ ...attempting, state: 'pending', error: failure.error })
    this.timers.set(
      id,
      this.options.clock.setTimeout(() => {
        this.timers.delete(id)
        void this.attempt(id)
      }, delay),
    )
  }

  /** Keeps `entry` (in its place), writes storage and reports the change. */
  private update(entry: OutboxEntry) {
    this.items.set(entry.id, entry)
    this.save()
    this.options.onChange({ ...entry })
  }

  private clearTimer(id: string) {
    const handle = this.timers.get(id)
    if (handle === undefined) return
    this.options.clock.clearTimeout(handle)
    this.timers.delete(id)
  }

  private save() {
    const { storage, storageKey } = this.options
    try {
      storage.setItem(storageKey, JSON.stringify([...this.items.values()]))
    } catch (error) {
      // Full or refused (private browsing): the messages still go out, only a reload loses them.
      console.warn(`Outbox: could not save to storage (${errorMessage(error)})`)
    }
  }
}

const DEFAULT_MAX_ATTEMPTS = 10
const DEFAULT_BASE_DELAY_MS = 1000
const DEFAULT_MAX_DELAY_MS = 15_000

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Why an attempt failed, and whether and when to try again. */
interface Failure {
  retryable: boolean
  error: string
  retryAfterMs?: number
}

/** The outbox's reading of what `persist` threw: the chat function's own verdict, or the network. */
function failureOf(error: unknown): Failure {
  if (error instanceof ChatApiError) {
    return { retryable: error.retryable, error: error.message, retryAfterMs: error.retryAfterMs }
  }
  return { retryable: true, error: `Network error: ${errorMessage(error)}` }
}

/** The entries kept under `key`; anything unreadable is dropped, with a warning. */
function load(storage: OutboxStorage, key: string): OutboxEntry[] {
  let text: string | null
  try {
    text = storage.getItem(key)
  } catch (error) {
    console.warn(`Outbox: could not read storage (${errorMessage(error)})`)
    return []
  }
  if (text === null) return []
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    console.warn(`Outbox: ignoring corrupt storage under ${key} (${errorMessage(error)})`)
    return []
  }
  if (!Array.isArray(data)) {
    console.warn(`Outbox: ignoring storage under ${key}: not a list of entries`)
    return []
  }
  const entries = data.flatMap((item) => {
    const entry = outboxEntrySchema.safeParse(item)
    return entry.success ? [entry.data] : []
  })
  if (entries.length < data.length) {
    console.warn(`Outbox: ignoring ${data.length - entries.length} unreadable entries under ${key}`)
  }
  return entries
}

/** What is kept in storage: checked on the way back in, since anything may have edited it. */
const outboxEntrySchema = z.object({
  id: z.string(),
  room: z.string(),
  body: z.string(),
  // Entries written before files could be attached have none.
  attachments: z.array(attachmentSchema).default([]),
  replyTo: z.string().optional(),
  mentions: z.array(mentionSchema).optional(),
  to: z.string().optional(),
  toName: z.string().optional(),
  poll: newPollSchema.optional(),
  createdAt: z.string(),
  attempts: z.number().int().nonnegative(),
  state: z.enum(['pending', 'failed']),
  error: z.string().optional(),
})

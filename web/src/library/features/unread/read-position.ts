import { z } from 'zod'
import type { OutboxStorage } from '../../engine/outbox.ts'
import { Store } from '../../engine/store.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'

/** The newest message the reader has seen in a room: its id and time (ISO). */
export interface ReadMark {
  id: string
  createdAt: string
}

/** Where the read position of `user` in `room` is kept (one key per room and user). */
export const readPositionKey = (room: string, userId: string) =>
  `backchannel.read.${room}.${userId}`

/**
 * How far the reader has read in one room, kept in storage (localStorage in the browser) so that
 * a reload or a later visit knows where the unread messages start. Read means: everything up to
 * the newest message shown while the reader was at the bottom of the list with the tab visible
 * (the list says when, with `markRead`). It only moves forward. A store (`subscribe`/`getSnapshot`)
 * of the mark, undefined before anything was read here.
 */
export class ReadPosition extends Store<ReadMark | undefined> {
  readonly #storage: OutboxStorage
  readonly #key: string

  constructor(options: { storage: OutboxStorage; room: string; userId: string }) {
    const key = readPositionKey(options.room, options.userId)
    super(load(options.storage, key))
    this.#storage = options.storage
    this.#key = key
  }

  /** The reader has seen `message` and everything before it. Older than the mark: no change. */
  markRead(message: Pick<TimelineMessage, 'id' | 'createdAt'>): void {
    const mark = this.getSnapshot()
    if (mark && (mark.id === message.id || message.createdAt < mark.createdAt)) return
    const next = { id: message.id, createdAt: message.createdAt }
    this.set(next)
    try {
      this.#storage.setItem(this.#key, JSON.stringify(next))
    } catch (error) {
      // Full or refused (private browsing): the position holds until the page goes.
      console.warn(`Read position: could not save (${errorMessage(error)})`)
    }
  }

  /**
   * The first message of `messages` (in display order) the reader has not seen: after the mark
   * and someone else's. Undefined when all are read, or nothing was ever read here (a first
   * visit shows no divider).
   */
  firstUnread(messages: readonly TimelineMessage[]): TimelineMessage | undefined {
    return firstUnread(this.getSnapshot(), messages)
  }
}

/** See ReadPosition.firstUnread. */
function firstUnread(
  mark: ReadMark | undefined,
  messages: readonly TimelineMessage[],
): TimelineMessage | undefined {
  if (!mark) return undefined
  const at = messages.findIndex((message) => message.id === mark.id)
  // The marked message may be gone from the list (deleted, purged, not loaded): its time says.
  const after =
    at >= 0 ? messages.slice(at + 1) : messages.filter((m) => m.createdAt > mark.createdAt)
  return after.find((message) => !message.own)
}

const markSchema = z.object({ id: z.string().min(1), createdAt: z.string().min(1) })

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** The mark kept under `key`; anything unreadable counts as none, with a warning. */
function load(storage: OutboxStorage, key: string): ReadMark | undefined {
  try {
    const text = storage.getItem(key)
    if (text === null) return undefined
    const mark = markSchema.safeParse(JSON.parse(text))
    if (mark.success) return mark.data
    console.warn(`Read position: ignoring unreadable storage under ${key}`)
  } catch (error) {
    console.warn(`Read position: could not read storage under ${key} (${errorMessage(error)})`)
  }
  return undefined
}

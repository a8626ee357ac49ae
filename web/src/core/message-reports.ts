import type { RoomApi } from './chat-api.ts'
import { isPersonId } from './live-inbox.ts'
import { type Result, refused } from './result.ts'
import { Store } from './store.ts'
import type { TimelineMessage } from './timeline.ts'

/**
 * The messages this user reported (a store of their ids), and reporting one: someone else's
 * message, stored or on its way to be, with a reason for the room's owners and ops.
 */
export class MessageReports extends Store<ReadonlySet<string>> {
  readonly #api: Pick<RoomApi, 'reportMessage'>
  readonly #userId: string

  constructor(options: { api: Pick<RoomApi, 'reportMessage'>; userId: string }) {
    super(new Set())
    this.#api = options.api
    this.#userId = options.userId
  }

  /** Whether this user may report `message`: someone else's, not deleted, from a person. */
  can(message: TimelineMessage): boolean {
    return (
      !message.own &&
      !message.deleted &&
      message.sender.id !== this.#userId &&
      isPersonId(message.sender.id) &&
      (message.status === 'saved' || message.status === 'live')
    )
  }

  /** Reports a message with a reason; once reported, it stays in this store. Returns why not. */
  async report(id: string, reason: string): Promise<Result> {
    try {
      await this.#api.reportMessage(id, reason)
    } catch (error) {
      return refused((error as Error).message)
    }
    this.set(new Set([...this.getSnapshot(), id]))
    return { ok: true }
  }
}

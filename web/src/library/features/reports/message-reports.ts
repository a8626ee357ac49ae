import type { RoomReports } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { LatestRead } from '../../engine/latest-read.ts'
import { isPersonId } from '../../engine/live-inbox.ts'
import { type Result, refused } from '../../engine/result.ts'
import type { RoomStateFeature } from '../../engine/room-state-feature.ts'
import { Store } from '../../engine/store.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { loadReports, reportMessage } from './reports-api.ts'

export interface ReportsState {
  /** The messages this user reported (ids). */
  mine: ReadonlySet<string>
  /** For a room owner: the messages with open reports, and how many; empty for everyone else. */
  open: ReadonlyMap<string, number>
}

/**
 * Reports in a room as this user sees them: what they reported (kept by the function, so it
 * survives a reload) and, for an owner, which messages have open reports; and reporting one:
 * someone else's message, stored or on its way to be, with a reason for the owners and ops.
 */
export class MessageReports extends Store<ReportsState> implements RoomStateFeature {
  /** Anyone who reports tells the owners; nobody else has anything to read. */
  readonly notice = { type: 'reports', from: 'anyone', readers: 'owners' } as const
  readonly #api: Pick<RoomApi, 'route'>
  readonly #userId: string
  readonly #reads: LatestRead<RoomReports>

  constructor(options: {
    api: Pick<RoomApi, 'route'>
    userId: string
    log: (message: string, detail?: unknown) => void
  }) {
    super({ mine: new Set(), open: new Map() })
    this.#api = options.api
    this.#userId = options.userId
    this.#reads = new LatestRead(
      () => loadReports(options.api),
      ({ mine, open = [] }) =>
        this.set({
          mine: new Set(mine),
          open: new Map(open.map((entry) => [entry.messageId, entry.reports])),
        }),
      options.log,
      'the reports',
    )
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

  /** Reports a message with a reason; once reported, it stays reported here. Returns why not. */
  async report(id: string, reason: string): Promise<Result> {
    try {
      await reportMessage(this.#api, id, reason)
    } catch (error) {
      return refused((error as Error).message)
    }
    const state = this.getSnapshot()
    this.set({ ...state, mine: new Set([...state.mine, id]) })
    return { ok: true }
  }

  /** Reads the room's reports again; a failure keeps what is known. */
  refresh(): Promise<void> {
    return this.#reads.run()
  }
}

import postgres from 'postgres'
import type { MediaStore } from './media-store.ts'

/** Files removed from storage per call (Supabase Storage takes up to 1,000 paths per call). */
const DEFAULT_BATCH_SIZE = 500
/**
 * Batches one pass works through at most: a pass stays well within an Edge Function request's
 * limits, and a longer queue is worked off by the next passes.
 */
const MAX_BATCHES_PER_PASS = 20

/** What one upkeep pass did. */
interface UpkeepSummary {
  /**
   * Messages deleted for good: older than the retention period (when one was given), and those
   * rooms' own retention expired (chat.purge_by_room_retention, on every pass).
   */
  messagesPurged: number
  /** Files removed from storage: of purged messages, of uploads never sent, left by earlier passes. */
  filesRemoved: number
  /** Files queued for removal that a message still refers to: kept, and taken off the queue. */
  filesKept: number
  /** Files still queued after the pass (more than one pass takes, or storage failed). */
  filesLeft: number
}

export type UpkeepOutcome =
  | { kind: 'done'; summary: UpkeepSummary }
  /** Another pass holds the upkeep lock: this one did nothing. */
  | { kind: 'already_running' }
  /** Storage refused to remove files: they stay queued, and the next pass tries them again. */
  | { kind: 'storage_failed'; summary: UpkeepSummary; reason: string }

export interface UpkeepPassOptions {
  databaseUrl: string
  media: MediaStore
  /** Purge messages older than this many days first; without it, only queued files are removed. */
  retentionDays?: number
  /** Who the purge is credited to in chat.moderation_log. */
  actor: string
  /** Files per storage call (tests make it small to have several batches). */
  batchSize?: number
}

/**
 * One upkeep pass: under the upkeep lock (chat.try_lock_upkeep, held by a transaction of its own
 * for the whole pass), purges expired messages (chat.purge_expired_messages, which queues their
 * files in chat.media_deletions in the same transaction), then works through that queue: a file a
 * message still refers to is kept and unqueued; the others are removed from storage and only then
 * unqueued. A pass that stops anywhere (a crash, storage failing) leaves the rest queued for the
 * next, which starts with it; removing a file twice is no error. Used by the function's upkeep
 * route, the local stack's timer and `npm run retention`.
 *
 * @example await runUpkeepPass({ databaseUrl, media, retentionDays: 30, actor: 'upkeep' })
 */
export async function runUpkeepPass(options: UpkeepPassOptions): Promise<UpkeepOutcome> {
  const { media, actor } = options
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  // Two connections: one holds the lock in an open transaction; the work commits step by step on
  // the other, so what is done stays done however the pass ends. No prepared statements: it
  // works through a transaction pooler.
  const sql = postgres(options.databaseUrl, {
    max: 2,
    prepare: false,
    idle_timeout: 5,
    // No type lookup as a connection opens (nothing here sends or reads an array): postgres.js
    // leaves a lookup that fails as an unhandled rejection, which ends the process; `npm start`
    // runs a pass at start, and a PostgreSQL killed then took the whole stack down with it.
    fetch_types: false,
    onnotice: () => {},
  })
  try {
    return await sql.begin(async (lock) => {
      const [held] = await lock<{ locked: boolean }[]>`select chat.try_lock_upkeep() as locked`
      if (!held?.locked) return { kind: 'already_running' } as const

      const summary: UpkeepSummary = {
        messagesPurged: 0,
        filesRemoved: 0,
        filesKept: 0,
        filesLeft: 0,
      }
      const days = options.retentionDays
      if (days !== undefined) {
        // The purge and the files it queues commit together, credited to `actor`.
        summary.messagesPurged = await sql.begin(async (tx) => {
          await tx`select set_config('backchannel.actor', ${actor}, true)`
          const [purge] = await tx<{ purged: number }[]>`
            select chat.purge_expired_messages(${days}::int) as purged`
          return purge?.purged ?? 0
        })
      }
      // Rooms with a retention of their own, on every pass: the schedule's pass names no period.
      summary.messagesPurged += await sql.begin(async (tx) => {
        await tx`select set_config('backchannel.actor', ${actor}, true)`
        const [purge] = await tx<{ purged: number }[]>`
          select chat.purge_by_room_retention() as purged`
        return purge?.purged ?? 0
      })

      let failure: string | undefined
      for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
        const queued = await sql<{ path: string; in_use: boolean }[]>`
          select path, chat.media_in_use(path) as in_use
          from chat.media_deletions order by queued_at, path limit ${batchSize}`
        if (queued.length === 0) break
        const kept = queued.filter((row) => row.in_use).map((row) => row.path)
        const unused = queued.filter((row) => !row.in_use).map((row) => row.path)
        if (kept.length > 0) {
          await sql`delete from chat.media_deletions where path in ${sql(kept)}`
          summary.filesKept += kept.length
        }
        if (unused.length === 0) continue
        try {
          await media.remove(unused)
        } catch (error) {
          failure = error instanceof Error ? error.message : String(error)
          break
        }
        await sql`delete from chat.media_deletions where path in ${sql(unused)}`
        summary.filesRemoved += unused.length
      }
      const [left] = await sql<{ count: number }[]>`
        select count(*)::int as count from chat.media_deletions`
      summary.filesLeft = left?.count ?? 0
      return failure === undefined
        ? ({ kind: 'done', summary } as const)
        : ({ kind: 'storage_failed', summary, reason: failure } as const)
    })
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** The function's upkeep, as its upkeep route uses it. */
export interface Upkeep {
  /** The secret a caller must present (CHAT_UPKEEP_SECRET); undefined: the route is off. */
  secret: string | undefined
  runPass(options: { retentionDays?: number }): Promise<UpkeepOutcome>
}

/**
 * The upkeep of the function's database and media store, for its upkeep route.
 *
 * @example createUpkeep({ databaseUrl, media, secret: config.upkeepSecret })
 */
export function createUpkeep(options: {
  databaseUrl: string
  media: MediaStore
  secret: string | undefined
}): Upkeep {
  const { databaseUrl, media, secret } = options
  return {
    secret,
    runPass: ({ retentionDays }) =>
      runUpkeepPass({ databaseUrl, media, retentionDays, actor: 'upkeep route' }),
  }
}

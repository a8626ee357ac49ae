import postgres from 'postgres'
import type { MediaStore } from '../functions/chat/media-store.ts'

const REMOVE_BATCH = 500

/**
 * Retention: deletes messages older than `days` for good (the database function
 * chat.purge_expired_messages, which pg_cron can also run; it also gives up uploads never sent
 * within a day and drops old quota counters), then removes the files it queued (the purged
 * messages' and the abandoned uploads') from storage through the media store, emptying
 * chat.media_deletions.
 */
export async function runRetention(options: {
  databaseUrl: string
  media: MediaStore
  days: number
}): Promise<{ messages: number; files: number }> {
  const sql = postgres(options.databaseUrl, { max: 1, prepare: false, onnotice: () => {} })
  try {
    await sql`select set_config('backchannel.actor', 'retention command', false)`
    const [purge] = await sql<{ purged: number }[]>`
      select chat.purge_expired_messages(${options.days}::int) as purged`
    let files = 0
    for (;;) {
      const queued = await sql<{ path: string }[]>`
        select path from chat.media_deletions order by queued_at limit ${REMOVE_BATCH}`
      if (queued.length === 0) break
      const paths = queued.map((row) => row.path)
      await options.media.remove(paths)
      await sql`delete from chat.media_deletions where path in ${sql(paths)}`
      files += paths.length
    }
    return { messages: purge?.purged ?? 0, files }
  } finally {
    await sql.end()
  }
}

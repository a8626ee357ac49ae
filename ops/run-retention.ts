// `npm run retention -- --days 30`: one upkeep pass (functions/chat/upkeep.ts, what the deployed
// function's upkeep route and the local stack's timer run) by hand, on the local stack's database
// (or the one at DATABASE_URL): the retention purge, then the queued files removed from local disk
// or Supabase Storage. For a database without pg_cron, or to run a pass now.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { loadChatConfig } from '../functions/chat/config.ts'
import { runUpkeepPass } from '../functions/chat/upkeep.ts'
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts'
import { openLocalMediaStore } from '../local/media.ts'
import { applyMigrations } from '../local/migrate.ts'
import { RUNNING_DATABASE_FILE } from '../local/stack.ts'

if (existsSync('.env')) process.loadEnvFile('.env')
const env = process.env
const dataDir = path.resolve(env.BACKCHANNEL_DATA_DIR || '.backchannel')

try {
  const { values } = parseArgs({ options: { days: { type: 'string' } } })
  // --days, else the function's own CHAT_RETENTION_DAYS (read with its configuration below).
  const daysGiven = z.coerce
    .number()
    .int()
    .min(1, 'Give --days a whole number of days, at least 1 (e.g. --days 30).')
    .optional()
    .parse(values.days)

  // The running stack's database, else the configured one, else the embedded one started here.
  const runningFile = path.join(dataDir, RUNNING_DATABASE_FILE)
  let databaseUrl = env.DATABASE_URL || env.SUPABASE_DB_URL
  if (!databaseUrl && existsSync(runningFile))
    databaseUrl = (await readFile(runningFile, 'utf8')).trim()
  const embedded = databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres') })
  databaseUrl ??= embedded?.url as string
  await applyMigrations(databaseUrl)

  // Only the media settings matter here; the signing key is never used by a retention run.
  const config = loadChatConfig({
    ...env,
    DATABASE_URL: databaseUrl,
    DAILY_API_KEY: 'x'.repeat(32),
  })
  const { media } = await openLocalMediaStore(config, dataDir)
  const days = daysGiven ?? config.defaultRetentionDays

  const outcome = await runUpkeepPass({
    databaseUrl,
    media,
    retentionDays: days,
    actor: 'retention command',
  })
  await embedded?.stop()
  switch (outcome.kind) {
    case 'done': {
      const { messagesPurged, filesRemoved, filesKept } = outcome.summary
      console.log(
        `Removed ${messagesPurged} messages older than ${days} days and ${filesRemoved} queued files (${filesKept} kept: a message still refers to them).`,
      )
      break
    }
    case 'already_running':
      throw new Error('another upkeep pass is running right now; it does the work.')
    case 'storage_failed':
      throw new Error(
        `storage did not remove files (${outcome.reason}); ${outcome.summary.filesLeft} stay queued for the next pass.`,
      )
  }
} catch (error) {
  const message = error instanceof z.ZodError ? error.issues[0]?.message : (error as Error).message
  console.error(`Retention could not run: ${message}`)
  process.exit(1)
}

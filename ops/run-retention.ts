// `npm run retention -- --days 30`: the retention purge on the local stack's database (or the one
// at DATABASE_URL), removing the purged messages' files from local disk or Supabase Storage.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { loadChatConfig } from '../functions/chat/config.ts'
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts'
import { openLocalMediaStore } from '../local/media.ts'
import { applyMigrations } from '../local/migrate.ts'
import { RUNNING_DATABASE_FILE } from '../local/stack.ts'
import { runRetention } from './retention.ts'

if (existsSync('.env')) process.loadEnvFile('.env')
const env = process.env
const dataDir = path.resolve(env.BACKCHANNEL_DATA_DIR || '.backchannel')

try {
  const { values } = parseArgs({ options: { days: { type: 'string' } } })
  const days = z.coerce
    .number()
    .int()
    .min(1, 'Give --days a whole number of days, at least 1 (e.g. --days 30).')
    .parse(values.days ?? env.CHAT_RETENTION_DAYS ?? 30)

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

  const result = await runRetention({ databaseUrl, media, days })
  await embedded?.stop()
  console.log(
    `Removed ${result.messages} messages older than ${days} days and ${result.files} of their files.`,
  )
} catch (error) {
  const message = error instanceof z.ZodError ? error.issues[0]?.message : (error as Error).message
  console.error(`Retention could not run: ${message}`)
  process.exit(1)
}

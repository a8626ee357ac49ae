// The local stack's upkeep: the pass the deployed function runs when pg_cron calls its upkeep
// route (functions/chat/upkeep.ts), run here on a timer, once at start and then every hour.
import { z } from 'zod'
import type { MediaStore } from '../functions/chat/media-store.ts'
import { runUpkeepPass, type UpkeepOutcome } from '../functions/chat/upkeep.ts'

const settingsSchema = z.object({
  BACKCHANNEL_UPKEEP_MINUTES: z.coerce
    .number({ error: 'Use a whole number of minutes (0 turns upkeep off).' })
    .int('Use a whole number of minutes (0 turns upkeep off).')
    .min(0, 'Use a whole number of minutes (0 turns upkeep off).')
    .max(7 * 24 * 60, 'At most a week (10080 minutes).')
    .default(60),
})

export interface UpkeepTimer {
  /** Stops the timer and waits for a pass that is running. */
  stop(): Promise<void>
}

/**
 * Runs `pass` now and then every `intervalMs` (never two at once: a pass still running when the
 * next is due makes that one wait for the next turn), logging one line per pass.
 *
 * @example startUpkeepTimer({ pass: () => runUpkeepPass(options), intervalMs: 3_600_000, log })
 */
export function startUpkeepTimer(options: {
  pass: () => Promise<UpkeepOutcome>
  intervalMs: number
  retentionDays: number
  log: (line: string) => void
}): UpkeepTimer {
  const { pass, log } = options
  let running: Promise<void> | undefined
  const tick = () => {
    running ??= pass()
      .then(
        (outcome) => log(describeOutcome(outcome, options.retentionDays)),
        (error: unknown) =>
          log(
            `Upkeep failed: ${error instanceof Error ? error.message : String(error)}; the next pass tries again.`,
          ),
      )
      .finally(() => {
        running = undefined
      })
  }
  tick()
  const timer = setInterval(tick, options.intervalMs)
  // The stack stays up because it serves, not because of this timer.
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}

/** The one log line of a pass. */
function describeOutcome(outcome: UpkeepOutcome, retentionDays: number): string {
  switch (outcome.kind) {
    case 'done': {
      const { messagesPurged, filesRemoved, filesKept, filesLeft } = outcome.summary
      return `Upkeep: removed ${messagesPurged} messages older than ${retentionDays} days and ${filesRemoved} files (${filesKept} kept in use, ${filesLeft} still queued).`
    }
    case 'already_running':
      return 'Upkeep: skipped, another pass is running.'
    case 'storage_failed':
      return `Upkeep: storage did not remove files (${outcome.reason}); ${outcome.summary.filesLeft} stay queued for the next pass.`
  }
}

/**
 * The local stack's upkeep: every BACKCHANNEL_UPKEEP_MINUTES of `env` (60; 0: off), keeping
 * messages `retentionDays` days (the function's CHAT_RETENTION_DAYS, read with its configuration).
 * Throws, naming the variable, on a bad value.
 */
export function startLocalUpkeep(options: {
  env: Record<string, string | undefined>
  retentionDays: number
  databaseUrl: string
  media: MediaStore
  log: (line: string) => void
}): UpkeepTimer {
  const { env, retentionDays, databaseUrl, media, log } = options
  const parsed = settingsSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  )
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new Error(`Upkeep is misconfigured: ${problems.join('; ')}`)
  }
  const { BACKCHANNEL_UPKEEP_MINUTES: minutes } = parsed.data
  if (minutes === 0) {
    log('Upkeep is off (BACKCHANNEL_UPKEEP_MINUTES=0): old messages and files stay.')
    return { stop: async () => {} }
  }
  return startUpkeepTimer({
    pass: () => runUpkeepPass({ databaseUrl, media, retentionDays, actor: 'local upkeep' }),
    intervalMs: minutes * 60_000,
    retentionDays,
    log,
  })
}

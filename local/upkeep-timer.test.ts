import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadChatConfig } from '../functions/chat/config.ts'
import type { UpkeepOutcome } from '../functions/chat/upkeep.ts'
import { createChatHarness, ownDatabase } from '../test/chat-harness.ts'
import { startLocalUpkeep, startUpkeepTimer } from './upkeep-timer.ts'

const done: UpkeepOutcome = {
  kind: 'done',
  summary: { messagesPurged: 2, filesRemoved: 3, filesKept: 0, filesLeft: 0 },
}

/** A log whose next line can be awaited. */
function recordingLog() {
  const lines: string[] = []
  const waiters: (() => void)[] = []
  return {
    lines,
    log: (line: string) => {
      lines.push(line)
      for (const wake of waiters.splice(0)) wake()
    },
    async untilLines(count: number) {
      while (lines.length < count) await new Promise<void>((resolve) => waiters.push(resolve))
    },
  }
}

describe('startUpkeepTimer', () => {
  it('runs a pass at once and then every interval, one log line each', async () => {
    vi.useFakeTimers()
    try {
      const { lines, log, untilLines } = recordingLog()
      const outcomes: UpkeepOutcome[] = [
        done,
        { kind: 'already_running' },
        { kind: 'storage_failed', reason: 'disk full', summary: { ...done.summary, filesLeft: 4 } },
      ]
      const pass = vi.fn(async () => outcomes.shift() ?? done)
      const timer = startUpkeepTimer({ pass, intervalMs: 60_000, retentionDays: 30, log })
      await untilLines(1)
      await vi.advanceTimersByTimeAsync(60_000)
      await untilLines(2)
      await vi.advanceTimersByTimeAsync(60_000)
      await untilLines(3)
      await timer.stop()
      await vi.advanceTimersByTimeAsync(10 * 60_000)

      expect(pass).toHaveBeenCalledTimes(3)
      expect(lines).toEqual([
        'Upkeep: removed 2 messages older than 30 days and 3 files (0 kept in use, 0 still queued).',
        'Upkeep: skipped, another pass is running.',
        'Upkeep: storage did not remove files (disk full); 4 stay queued for the next pass.',
      ])
    } finally {
      vi.useRealTimers()
    }
  })

  it('never starts a pass while one runs, and says when one fails', async () => {
    vi.useFakeTimers()
    try {
      const { lines, log, untilLines } = recordingLog()
      let finish: () => void = () => {}
      const pass = vi.fn(
        () =>
          new Promise<UpkeepOutcome>((_, reject) => {
            finish = () => reject(new Error('the database is not answering'))
          }),
      )
      const timer = startUpkeepTimer({ pass, intervalMs: 1_000, retentionDays: 30, log })
      await vi.advanceTimersByTimeAsync(5_000)
      expect(pass).toHaveBeenCalledTimes(1)
      finish()
      await untilLines(1)
      await timer.stop()

      expect(lines).toEqual([
        'Upkeep failed: the database is not answering; the next pass tries again.',
      ])
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('startLocalUpkeep', () => {
  const database = ownDatabase('local_upkeep')
  const chat = createChatHarness({}, database.url)
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  // The retention comes from the function's configuration, as the stack reads it.
  const start = (env: Record<string, string | undefined>, log: (line: string) => void) =>
    startLocalUpkeep({
      env,
      retentionDays: loadChatConfig({
        ...env,
        DATABASE_URL: database.url,
        DAILY_API_KEY: 'x'.repeat(32),
      }).defaultRetentionDays,
      databaseUrl: database.url,
      media: chat.deps.media,
      log,
    })

  it('removes what retention queued as the stack starts, crediting the local upkeep', async () => {
    const room = `local-${randomUUID().slice(0, 8)}`
    const token = await chat.tokenFor(room)
    const file = await chat.uploadFile(room, token)
    await chat.sql`update chat.uploads set created_at = now() - interval '2 days'
      where path = ${file.path}`
    const { lines, log, untilLines } = recordingLog()

    const upkeep = start({ CHAT_RETENTION_DAYS: '7' }, log)
    await untilLines(1)
    await upkeep.stop()

    expect(lines).toEqual([
      'Upkeep: removed 0 messages older than 7 days and 1 files (0 kept in use, 0 still queued).',
    ])
    expect(await chat.deps.media.stat(file.path)).toBeUndefined()
    const [logged] = await chat.sql`
      select actor from chat.moderation_log where action = 'purge_messages' order by id desc limit 1`
    expect(logged).toEqual({ actor: 'local upkeep' })
  })

  it('is off with BACKCHANNEL_UPKEEP_MINUTES=0 and refuses values it cannot use', async () => {
    const { lines, log } = recordingLog()
    await start({ BACKCHANNEL_UPKEEP_MINUTES: '0' }, log).stop()
    expect(lines).toEqual([
      'Upkeep is off (BACKCHANNEL_UPKEEP_MINUTES=0): old messages and files stay.',
    ])
    expect(() => start({ BACKCHANNEL_UPKEEP_MINUTES: 'hourly' }, log)).toThrow(
      /BACKCHANNEL_UPKEEP_MINUTES: Use a whole number of minutes/,
    )
    expect(() => start({ CHAT_RETENTION_DAYS: '0' }, log)).toThrow(
      /CHAT_RETENTION_DAYS: Use a whole number of days, at least 1/,
    )
  })
})

// Faults of the real database under traffic: PostgreSQL stopped and started again (directly and
// behind PgBouncer), its connections killed with pg_terminate_backend, and the server frozen and
// thawed. Each test writes through the web app's own outbox and API client, as a person's page
// does, and checks that every message lands exactly once and that the function serves again by
// itself. This file runs its own PostgreSQL: the shared test database must not be stopped.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RunningPostgres, startEmbeddedPostgres } from '../../local/embedded-postgres.ts'
import { applyMigrations } from '../../local/migrate.ts'
import { createChatHarness, uniqueRoom } from '../../test/chat-harness.ts'
import { startPgBouncer } from '../../test/pgbouncer.ts'
import { createChatApi } from '../../web/src/library/engine/chat-api.ts'
import { systemClock } from '../../web/src/library/engine/clock.ts'
import { Outbox, type OutboxEntry } from '../../web/src/library/engine/outbox.ts'
import { newMessageId } from '../_shared/protocol.ts'

let dir: string
let database: RunningPostgres
let port: number
/** Direct SQL for the assertions (postgres.js reconnects by itself after a restart). */
let admin: postgres.Sql

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'backchannel-restart-'))
  // As root PostgreSQL runs as the postgres user, who must be able to enter the folder.
  await chmod(dir, 0o711)
  database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres') })
  port = Number(new URL(database.url).port)
  await applyMigrations(database.url)
  admin = postgres(database.url, { max: 1, onnotice: () => {} })
})

afterAll(async () => {
  await admin?.end({ timeout: 1 })
  await database?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The function on `databaseUrl` (queries bounded by `timeoutMs`), as the web app's API sees it. */
function startChat(databaseUrl: string, timeoutMs = 1000) {
  const chat = createChatHarness(
    { rateLimit: { messages: 10_000, windowSeconds: 10 } },
    databaseUrl,
    { timeoutMs },
  )
  const api = createChatApi('http://function.test/chat', {
    fetch: async (input, init) => chat.app.request(String(input), init),
  })
  const health = async () => (await chat.app.request('/chat/health')).status
  return { tokens: chat.deps.tokens, api, health, close: () => chat.close() }
}

/**
 * One person posting a message every 50 ms through the outbox (retrying quickly, with budget
 * to spare for the outage), and what became of each message.
 */
async function startWriter(chat: ReturnType<typeof startChat>) {
  const room = uniqueRoom('restart')
  const user = { id: randomUUID(), name: 'Ana' }
  const { token } = await chat.tokens.mint(room, user)
  const roomApi = chat.api.forRoom(room, token)
  const sent: string[] = []
  const stored = new Set<string>()
  const failures: string[] = []
  const gaveUp: OutboxEntry[] = []
  const storage = new Map<string, string>()
  const outbox = new Outbox({
    storage: { getItem: (key) => storage.get(key) ?? null, setItem: (k, v) => storage.set(k, v) },
    storageKey: 'restart',
    clock: systemClock,
    baseDelayMs: 100,
    maxDelayMs: 500,
    maxAttempts: 200,
    persist: (entry) => roomApi.persistMessage({ id: entry.id, body: entry.body, attachments: [] }),
    onChange: (entry, message) => {
      if (message) stored.add(message.id)
      else if (entry.state === 'failed') gaveUp.push(entry)
      else if (entry.error) failures.push(entry.error)
    },
  })
  const post = () => {
    const id = newMessageId(user.id)
    sent.push(id)
    outbox.add({
      id,
      room,
      body: `message ${sent.length}`,
      attachments: [],
      createdAt: new Date().toISOString(),
    })
  }
  const timer = setInterval(post, 50)
  return {
    room,
    sent,
    stored,
    failures,
    gaveUp,
    /** Stops posting; every message sent so far is still being written. */
    stop: () => clearInterval(timer),
    dispose: () => {
      clearInterval(timer)
      outbox.dispose()
    },
  }
}

/** How many times each of `ids` is stored (a message stored twice would count 2). */
async function storedCounts(room: string) {
  const rows = await admin<{ id: string; copies: number }[]>`
    select id::text, count(*)::int as copies from chat.messages where room = ${room} group by id`
  return new Map(rows.map((row) => [row.id, row.copies]))
}

/** Waits until every message the writer sent is stored, then checks each is there exactly once. */
async function expectEveryMessageOnce(writer: Awaited<ReturnType<typeof startWriter>>) {
  writer.stop()
  await expect
    .poll(() => writer.stored.size, { timeout: 30_000, interval: 100 })
    .toBe(writer.sent.length)
  expect(writer.gaveUp).toEqual([])
  const counts = await storedCounts(writer.room)
  expect([...counts.keys()].sort()).toEqual([...writer.sent].sort())
  expect([...counts.values()].every((copies) => copies === 1)).toBe(true)
}

/** Stops PostgreSQL (a fast shutdown) and, once `down()` holds, starts it again on its port. */
async function restartDatabase(down: () => boolean) {
  await database.stop()
  await expect.poll(down, { timeout: 20_000, interval: 50 }).toBe(true)
  database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port })
}

describe('the chat function when PostgreSQL restarts under traffic', () => {
  for (const via of ['directly', 'through PgBouncer'] as const) {
    it(`serves again by itself and stores every message once (${via})`, async () => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
      const pooler = via === 'through PgBouncer' ? await startPgBouncer(database.url) : undefined
      const chat = startChat(pooler?.url ?? database.url)
      const writer = await startWriter(chat)
      try {
        await expect.poll(() => writer.stored.size, { timeout: 10_000 }).toBeGreaterThan(5)
        const failedBefore = writer.failures.length

        // Down until the writers' attempts have failed a few times, as they would for a person.
        await restartDatabase(() => writer.failures.length >= failedBefore + 10)
        const storedAtRestart = writer.stored.size

        // Serving again: the health check, and new messages, within seconds (the bound only
        // catches a function that never recovers, as it did when it cancelled queries).
        await expect.poll(chat.health, { timeout: 10_000, interval: 100 }).toBe(200)
        await expect
          .poll(() => writer.stored.size, { timeout: 10_000 })
          .toBeGreaterThan(storedAtRestart + 5)
        await expectEveryMessageOnce(writer)
      } finally {
        writer.dispose()
        await chat.close()
        await pooler?.stop()
        logged.mockRestore()
      }
    })
  }
})

describe('the chat function when its connections are killed', () => {
  it('reconnects and stores every message once after pg_terminate_backend', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const chat = startChat(database.url)
    const writer = await startWriter(chat)
    try {
      await expect.poll(() => writer.stored.size, { timeout: 10_000 }).toBeGreaterThan(5)
      for (let round = 0; round < 3; round++) {
        // The function's connections only: this one is left alone (a CTE, so the filter runs
        // before any backend is terminated).
        const killed = await admin<{ pid: number }[]>`
          with theirs as materialized (
            select pid from pg_stat_activity
            where datname = current_database() and backend_type = 'client backend'
              and pid <> pg_backend_pid()
          )
          select pid from theirs where pg_terminate_backend(pid)`
        expect(killed.length).toBeGreaterThan(0)
        const storedNow = writer.stored.size
        await expect
          .poll(() => writer.stored.size, { timeout: 10_000 })
          .toBeGreaterThan(storedNow + 3)
      }
      expect(await chat.health()).toBe(200)
      await expectEveryMessageOnce(writer)
    } finally {
      writer.dispose()
      await chat.close()
      logged.mockRestore()
    }
  })
})

describe('the chat function when PostgreSQL freezes', () => {
  /** PostgreSQL's server process and all of its children: every process of this cluster. */
  const clusterProcesses = () => {
    const children = execFileSync('pgrep', ['-P', String(database.pid)], { encoding: 'utf8' })
    return [database.pid, ...children.split('\n').filter(Boolean).map(Number)]
  }
  const signal = (pids: number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name)
      } catch {
        // A child that ended meanwhile (PostgreSQL starts and ends workers on its own).
      }
    }
  }

  it('answers 503 while frozen, serves again once thawed, and stores every message once', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const chat = startChat(database.url, 500)
    const writer = await startWriter(chat)
    let frozen: number[] = []
    try {
      await expect.poll(() => writer.stored.size, { timeout: 10_000 }).toBeGreaterThan(5)
      const failedBefore = writer.failures.length
      frozen = clusterProcesses()
      signal(frozen, 'SIGSTOP')
      await expect
        .poll(() => writer.failures.length, { timeout: 20_000, interval: 50 })
        .toBeGreaterThanOrEqual(failedBefore + 5)
      expect(await chat.health()).toBe(503)
      const storedWhileFrozen = writer.stored.size

      signal(frozen, 'SIGCONT')
      frozen = []
      await expect.poll(chat.health, { timeout: 10_000, interval: 100 }).toBe(200)
      await expect
        .poll(() => writer.stored.size, { timeout: 10_000 })
        .toBeGreaterThan(storedWhileFrozen + 5)
      await expectEveryMessageOnce(writer)
    } finally {
      signal(frozen, 'SIGCONT')
      writer.dispose()
      await chat.close()
      logged.mockRestore()
    }
  })
})

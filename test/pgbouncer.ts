// PgBouncer in transaction mode in front of a PostgreSQL, the local stand-in for Supabase's
// transaction pooler (port 6543): for tests and benchmarks that must see what production sees,
// where every transaction may run on another server connection.
import { execFile, spawn } from 'node:child_process'
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import path from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { freePort, howItExited, lastLines, WATCHDOG } from '../local/embedded-postgres.ts'
import { findOnPath, installDebianPackage } from './debian-package.ts'

/**
 * Pool defaults as close to Supabase's transaction pooler as a single PgBouncer gets, for the
 * Micro compute (the smallest paid one; Nano has the same limits): a pool of 15 server
 * connections per user and database (Supabase's default "Pool Size" for these computes) and
 * 200 client connections ("Connection Pooler Max Clients"). Bigger computes allow more clients
 * (XL: 1,000), which `maxClientConnections` can mimic.
 */
const SUPABASE_MICRO_POOL_SIZE = 15
const SUPABASE_MICRO_MAX_CLIENTS = 200

/** How long PgBouncer may take to accept its first query. */
const READY_TIMEOUT_MS = 10_000
/** How long `stop()` waits for PgBouncer (and its watchdog) to exit before killing both. */
const STOP_TIMEOUT_MS = 8_000
const LOG_LINES_KEPT = 30

const NOT_INSTALLED =
  'PgBouncer is not installed: apt-get install -y pgbouncer (Debian/Ubuntu), or brew install pgbouncer (macOS), or put a pgbouncer program on PATH.'

export interface RunningPgBouncer {
  /** The database URL through PgBouncer: same user, password and database, its own port. */
  url: string
  /** Server connections per user and database (PgBouncer's default_pool_size). */
  poolSize: number
  /** Client connections PgBouncer accepts at most (max_client_conn). */
  maxClientConnections: number
  /** Stops PgBouncer (immediate shutdown) and removes its files; safe to call more than once. */
  stop(): Promise<void>
}

export interface PgBouncerOptions {
  /** default_pool_size; Supabase Micro's 15 by default. */
  poolSize?: number
  /** max_client_conn; Supabase Micro's 200 by default. */
  maxClientConnections?: number
}

/**
 * Starts PgBouncer in transaction mode in front of the PostgreSQL at `databaseUrl` (a TCP host)
 * and waits until a query goes through it. Its files live in a fresh temporary folder; as root
 * it runs as the postgres account (PgBouncer refuses to run as root). A watchdog process holds
 * a pipe from this one, so PgBouncer also stops when this process dies, however it dies.
 *
 * @example const pooler = await startPgBouncer(databaseUrl); … ; await pooler.stop()
 */
export async function startPgBouncer(
  databaseUrl: string,
  options: PgBouncerOptions = {},
): Promise<RunningPgBouncer> {
  const program = await pgBouncerProgram()
  const target = new URL(databaseUrl)
  const user = decodeURIComponent(target.username)
  const password = decodeURIComponent(target.password)
  const database = decodeURIComponent(target.pathname.slice(1)) || user
  if (!user || !password) {
    throw new Error(
      `startPgBouncer needs a database URL with a user and a password (got ${target.protocol}//${target.host}${target.pathname}).`,
    )
  }
  const poolSize = options.poolSize ?? SUPABASE_MICRO_POOL_SIZE
  const maxClientConnections = options.maxClientConnections ?? SUPABASE_MICRO_MAX_CLIENTS
  const account = userInfo().uid === 0 ? await unprivilegedAccount() : undefined

  // A port taken between freePort() and PgBouncer's bind is tried again with another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const dir = await mkdtemp(path.join(tmpdir(), 'backchannel-pgbouncer-'))
    try {
      await writeFile(path.join(dir, 'userlist.txt'), `${quoted(user)} ${quoted(password)}\n`, {
        mode: 0o600,
      })
      await writeFile(
        path.join(dir, 'pgbouncer.ini'),
        config({
          dir,
          port,
          serverHost: target.hostname.replace(/^\[(.*)\]$/, '$1'),
          serverPort: Number(target.port) || 5432,
          poolSize,
          maxClientConnections,
        }),
        { mode: 0o600 },
      )
      if (account) {
        for (const file of ['', 'userlist.txt', 'pgbouncer.ini'])
          await chown(path.join(dir, file), account.uid, account.gid)
      }
      const url = `postgres://${target.username}:${target.password}@127.0.0.1:${port}/${encodeURIComponent(database)}`
      const stop = await run(program, dir, account, url)
      return { url, poolSize, maxClientConnections, stop }
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      if (attempt < 3 && error instanceof PortTaken) continue
      throw error
    }
  }
}

/** The PgBouncer configuration: transaction pooling, as Supabase's transaction pooler runs. */
function config(settings: {
  dir: string
  port: number
  serverHost: string
  serverPort: number
  poolSize: number
  maxClientConnections: number
}): string {
  const { dir, port, serverHost, serverPort, poolSize, maxClientConnections } = settings
  return `[databases]
; Any database name goes to the same server, under the name the client asked for.
* = host=${serverHost} port=${serverPort}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
; No unix socket: clients connect over TCP, as they do to Supabase.
unix_socket_dir =
pidfile = ${path.join(dir, 'pgbouncer.pid')}

; A server connection is lent for one transaction at a time, so consecutive statements of one
; client may run on different server connections: session state (SET, named prepared
; statements, session advisory locks, LISTEN) does not survive between transactions.
pool_mode = transaction
default_pool_size = ${poolSize}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = ${maxClientConnections}
; A client waits this long for a server connection, like the pooler's 60 s checkout timeout.
query_wait_timeout = 60
; After a failed login to the server (PostgreSQL restarting), try again after 1 s, not 15: the
; restart tests check that the function serves again within seconds of the database, and the
; longer wait would be the pooler's, not the function's.
server_login_retry = 1

; Clients log in with SCRAM, as to Supabase; PgBouncer logs in to the server with the same
; user and password (from auth_file).
auth_type = scram-sha-256
auth_file = ${path.join(dir, 'userlist.txt')}
; Startup parameters of common drivers that PgBouncer would otherwise refuse.
ignore_startup_parameters = extra_float_digits,options

; Its log goes to stderr (read by startPgBouncer for errors): problems only.
log_connections = 0
log_disconnections = 0
log_pooler_errors = 1
`
}

/** A value of PgBouncer's auth_file: double-quoted, inner double quotes doubled. */
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`

/** Where Debian and others install pgbouncer, when it is not on PATH. */
const PGBOUNCER_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin']

/**
 * The pgbouncer program: on PATH, or where Debian and others install it. When there is none,
 * installs Debian's package as the browser tests install Chromium (root on Debian), else throws.
 */
async function pgBouncerProgram(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const find = () => findOnPath('pgbouncer', env.PATH, PGBOUNCER_DIRS)
  const found = find()
  if (found) return found
  await installDebianPackage(
    'pgbouncer',
    { reason: 'PgBouncer is not installed', hint: NOT_INSTALLED },
    env,
  )
  const installed = find()
  if (!installed) throw new Error(NOT_INSTALLED)
  return installed
}

/** The account PgBouncer runs as when we are root: postgres (as embedded PostgreSQL), or nobody. */
async function unprivilegedAccount(): Promise<{ uid: number; gid: number }> {
  const id = promisify(execFile)
  for (const name of ['postgres', 'nobody']) {
    try {
      return {
        uid: Number((await id('id', ['-u', name])).stdout.trim()),
        gid: Number((await id('id', ['-g', name])).stdout.trim()),
      }
    } catch {
      // No such account: try the next.
    }
  }
  throw new Error(
    'PgBouncer refuses to run as root and this machine has neither a postgres nor a nobody account: create one (useradd --system postgres), or run as another user.',
  )
}

class PortTaken extends Error {}

/** Runs PgBouncer under the watchdog, waits until a query goes through it; returns its stop. */
async function run(
  program: string,
  dir: string,
  account: { uid: number; gid: number } | undefined,
  url: string,
): Promise<() => Promise<void>> {
  const spec = {
    command: program,
    args: [path.join(dir, 'pgbouncer.ini')],
    // Its own folder: as the postgres account it may not be able to enter ours.
    cwd: dir,
    uid: account?.uid,
    gid: account?.gid,
    // PgBouncer's immediate shutdown (nothing of ours is in flight by then), then a kill.
    stopSignal: 'SIGTERM',
    forceSignal: 'SIGKILL',
    forceAfterMs: 5000,
  }
  // Under local/watchdog.mjs, which stops it when this process goes, however it goes. Its own
  // process group, so a Ctrl-C meant for us reaches PgBouncer only through it.
  const watchdog = spawn(process.execPath, [WATCHDOG, JSON.stringify(spec)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'pipe'],
  }) as ReturnType<typeof spawn> & { stdin: Writable; stderr: Readable }
  // Closing this pipe is how PgBouncer is stopped; it may already be closed by then.
  watchdog.stdin.on('error', () => {})
  const log = lastLines(watchdog.stderr, LOG_LINES_KEPT)
  let exitedWith: string | undefined
  const exited = new Promise<string>((resolve) => {
    watchdog.once('error', (error) => resolve(error.message))
    watchdog.once('exit', (code, signal) => resolve(howItExited(code, signal)))
  }).then((reason) => {
    exitedWith = reason
    return reason
  })
  // PgBouncer never keeps this process alive: when it ends, the pipe closes and PgBouncer stops.
  watchdog.unref()
  for (const stream of [watchdog.stdin, watchdog.stderr])
    (stream as unknown as { unref?: () => void }).unref?.()

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      watchdog.ref()
      watchdog.stdin.destroy()
      const timer = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout'),
      )
      if ((await Promise.race([exited, timer])) === 'timeout') {
        const pid = Number(await readFile(path.join(dir, 'pgbouncer.pid'), 'utf8').catch(() => ''))
        try {
          if (pid > 0) process.kill(pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
        watchdog.kill('SIGKILL')
      }
      await rm(dir, { recursive: true, force: true })
    })()
    return stopping
  }

  const failure = await untilReady(url, () => exitedWith)
  if (failure) {
    const said = log()
    await stop()
    if (/Address already in use/.test(said)) throw new PortTaken(said)
    throw new Error(
      `PgBouncer (${program}) did not start: ${failure}.${said ? ` It said:\n  ${said.split('\n').join('\n  ')}` : ''}`,
    )
  }
  return stop
}

/** Waits until a query goes through PgBouncer; what went wrong if it did not (else undefined). */
async function untilReady(
  url: string,
  exitedWith: () => string | undefined,
): Promise<string | undefined> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer'
  while (Date.now() < deadline) {
    const exited = exitedWith()
    if (exited) return `it exited (${exited})`
    const sql = postgres(url, { max: 1, prepare: false, connect_timeout: 2, onnotice: () => {} })
    try {
      await sql`select 1`
      return undefined
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string }
      // Not listening yet: try again. Anything else (a wrong password, no such database) is final.
      if (code !== 'ECONNREFUSED') return `a query through it failed: ${message} (${code})`
      last = `${message}`
    } finally {
      await sql.end({ timeout: 1 })
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return `no query went through it in ${READY_TIMEOUT_MS / 1000} s (${last})`
}

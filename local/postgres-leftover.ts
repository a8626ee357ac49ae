// A PostgreSQL already running on a cluster folder: another running Backchannel's (refused), or
// one a crashed run left behind (stopped, so that this start can take the folder over).
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)
/** In the cluster folder while a stack runs: the pid of the process that started PostgreSQL. */
export const OWNER_FILE = 'backchannel-owner.pid'
const POLL_MS = 50
const FAST_SHUTDOWN_MS = 10_000
const IMMEDIATE_SHUTDOWN_MS = 5_000

/**
 * Stops the server that `clusterDir/postmaster.pid` names when it is a PostgreSQL of this
 * folder whose Backchannel is gone; returns its pid, or undefined when none was running.
 * Throws, saying what to do, when the folder is in use by a running Backchannel or by a process
 * that is not one of ours. `paths` are the names the folder may have been started under. With
 * `ownOrphan`, this process is restarting its own server, which lost its watchdog and ran on.
 */
export async function stopLeftoverServer(
  clusterDir: string,
  paths: string[],
  ownOrphan = false,
): Promise<number | undefined> {
  const pid = await pidIn(`${clusterDir}/postmaster.pid`)
  if (pid === undefined || !isAlive(pid)) return undefined

  const owner = await pidIn(`${clusterDir}/${OWNER_FILE}`)
  if (owner !== undefined && isAlive(owner) && !(ownOrphan && owner === process.pid)) {
    throw new Error(
      `The database folder ${clusterDir} is in use by another Backchannel (pid ${owner}), whose PostgreSQL is pid ${pid}. Stop it first, or set BACKCHANNEL_DATA_DIR to another folder.`,
    )
  }
  const command = await commandLine(pid)
  if (!command || !isPostgresOf(command, paths)) {
    throw new Error(
      `The database folder ${clusterDir} is in use by process ${pid}${command ? ` (${command.join(' ')})` : ''}, which is not a PostgreSQL started by Backchannel. Stop it first, or set BACKCHANNEL_DATA_DIR to another folder.`,
    )
  }
  // Fast shutdown (its sessions belong to the run that is gone), then immediate if it hangs.
  if (await signalled(pid, 'SIGINT', FAST_SHUTDOWN_MS)) return pid
  if (await signalled(pid, 'SIGQUIT', IMMEDIATE_SHUTDOWN_MS)) return pid
  throw new Error(
    `PostgreSQL (pid ${pid}) left running on ${clusterDir} by a run that crashed did not stop. Stop it (kill -9 ${pid}) and start again.`,
  )
}

async function pidIn(file: string): Promise<number | undefined> {
  if (!existsSync(file)) return undefined
  const pid = Number((await readFile(file, 'utf8')).split('\n')[0])
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** Whether process `pid` runs (EPERM: it does, as another user's); an exited one is not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  return !isZombie(pid)
}

/** Linux: an exited process its parent has not reaped yet still answers signal 0. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

/** The arguments `pid` runs with, from /proc on Linux and `ps` elsewhere. */
async function commandLine(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8')
    return raw.split('\0').filter(Boolean)
  } catch {
    // No /proc (macOS): ask ps.
  }
  try {
    const { stdout } = await run('ps', ['-o', 'command=', '-p', String(pid)])
    return stdout.trim().split(/\s+/).filter(Boolean)
  } catch {
    return undefined
  }
}

function isPostgresOf(command: string[], paths: string[]): boolean {
  const [program, ...args] = command
  const dataDirAt = args.indexOf('-D')
  return (
    program !== undefined &&
    /(^|\/)postgres$/.test(program) &&
    dataDirAt >= 0 &&
    paths.includes(args[dataDirAt + 1] ?? '')
  )
}

/** Sends `signal` and waits up to `ms` for the process to be gone. */
async function signalled(pid: number, signal: NodeJS.Signals, ms: number): Promise<boolean> {
  try {
    process.kill(pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true
    throw error
  }
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    if (!isAlive(pid)) return true
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return !isAlive(pid)
}

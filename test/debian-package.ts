// Installs a Debian package the tests need (Chromium, PgBouncer) when it is missing, so that
// `npm test` works on a fresh machine: with apt-get, as root on Debian; anywhere else it throws
// what to install instead.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where programs live besides PATH (root's programs in sbin are often not on PATH). */
const SYSTEM_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin']

/** How long apt-get waits for another apt or dpkg (another test process, say) to finish. */
const APT_LOCK_TIMEOUT_SECONDS = 600

export interface DebianPackageNeed {
  /** Who needs the package, the start of the line printed while installing it. */
  reason: string
  /** What to install by hand, thrown when we cannot install it (or installing fails). */
  hint: string
}

/** One install per package in this process; apt-get runs one at a time (it locks dpkg). */
const installs = new Map<string, Promise<void>>()
let aptQueue: Promise<unknown> = Promise.resolve()

/**
 * Installs Debian's package `pkg` with apt-get (update, then install without recommends) when we
 * are root on Debian; otherwise throws `need.hint`. apt's output is shown only when it fails.
 * Concurrent calls for one package share one install; a failed install is tried again next call.
 *
 * @example await installDebianPackage('chromium', { reason: 'Browser tests need Chromium', hint })
 */
export function installDebianPackage(
  pkg: string,
  need: DebianPackageNeed,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  let install = installs.get(pkg)
  if (!install) {
    install = aptGetInstall(pkg, need, env)
    installs.set(pkg, install)
    install.catch(() => installs.delete(pkg))
  }
  return install
}

async function aptGetInstall(
  pkg: string,
  { reason, hint }: DebianPackageNeed,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const aptGet = findOnPath('apt-get', env.PATH)
  if (!existsSync('/etc/debian_version') || userInfo().uid !== 0 || !aptGet) {
    throw new Error(hint)
  }
  const turn = aptQueue.then(async () => {
    console.log(`${reason}: installing Debian's ${pkg} package (apt-get)…`)
    const options = {
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    }
    const lock = ['-o', `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS}`]
    try {
      // The output is only interesting when it fails; apt's progress would bury the test report.
      await run(aptGet, [...lock, 'update'], options)
      await run(aptGet, [...lock, 'install', '-y', '--no-install-recommends', pkg], options)
    } catch (error) {
      const details = (error as { stderr?: string }).stderr
        ?.trim()
        .split('\n')
        .slice(-10)
        .join('\n')
      throw new Error(`Installing ${pkg} with apt-get failed.\n${details ?? ''}\n${hint}`, {
        cause: error,
      })
    }
  })
  aptQueue = turn.catch(() => {})
  return turn
}

/** The first `command` file on `searchPath`, else in `fallbackDirs`; undefined if none. */
export function findOnPath(
  command: string,
  searchPath = '',
  fallbackDirs: readonly string[] = SYSTEM_DIRS,
): string | undefined {
  return [...searchPath.split(path.delimiter), ...fallbackDirs]
    .filter(Boolean)
    .map((dir) => path.join(dir, command))
    .find((file) => existsSync(file))
}

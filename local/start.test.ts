// `npm start` as a user runs it: a child process, its printed URL, Ctrl-C, kill -9, and its
// PostgreSQL crashing under it.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { newMessageId } from '../functions/_shared/protocol.ts'
import { freePort } from './embedded-postgres.ts'
import { isAlive } from './postgres-leftover.ts'

const root = path.resolve(import.meta.dirname, '..')

interface Started {
  child: ChildProcess
  output: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { child, output: () => output, exited }
}

/** Waits until the started process prints `text`, or fails with what it printed if it exits. */
function printed(started: Started, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (started.output().includes(text)) {
        started.child.stdout?.off('data', check)
        resolve()
      }
    }
    started.child.stdout?.on('data', check)
    started.exited.then((code) =>
      reject(new Error(`exited (${code}) before printing "${text}":\n${started.output()}`)),
    )
    check()
  })
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGINT')
  return started.exited
}

/** The pid of the PostgreSQL running on the stack's data folder. */
async function postgresPid(dataDir: string): Promise<number> {
  return Number(
    (await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0],
  )
}

/** The parent of process `pid` (Linux). */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

/** The processes (PostgreSQL, its watchdog) whose command line names the stack's data folder. */
async function processesOn(dataDir: string): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (command.includes(path.join(dataDir, 'postgres')) && isAlive(pid)) found.push(pid)
  }
  return found
}

/** Joins `room` as Ana and stores a message; returns what reads it back. */
async function storeMessage(base: string, room: string, body: string) {
  const { token, user } = await (
    await fetch(`${base}/functions/v1/chat/rooms/${room}/tokens`, {
      method: 'POST',
      body: JSON.stringify({ userName: 'Ana' }),
    })
  ).json()
  const headers = { Authorization: `Bearer ${token}` }
  const id = newMessageId(user.id)
  const written = await fetch(`${base}/functions/v1/chat/rooms/${room}/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ id, body }),
  })
  expect(written.status).toBe(201)
  return {
    id,
    headers,
    history: async () =>
      (await fetch(`${base}/functions/v1/chat/rooms/${room}/messages`, { headers })).json(),
  }
}

/** Resolves once process `pid` is gone; fails after `ms`. */
async function gone(pid: number, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; isAlive(pid); ) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('npm start', () => {
  let dataDir: string
  let port: number
  let base: string

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'backchannel-start-'))
    // As root, PostgreSQL's user must enter it (else its data would live elsewhere).
    await chmod(dataDir, 0o711)
    port = await freePort()
    base = `http://localhost:${port}`
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  it('serves the app and the function, refuses a second start, stops on Ctrl-C, keeps data', async () => {
    const env = { PORT: String(port), BACKCHANNEL_DATA_DIR: dataDir }
    const first = start(env)
    await printed(first, `Backchannel is running at ${base}`)
    expect(first.output()).toMatch(/Applied migrations \d+/)

    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    const deepLink = await fetch(`${base}/some/client/route?room=demo`)
    expect(await deepLink.text()).toContain('<div id="root">')
    expect((await fetch(`${base}/functions/v1/chat/health`)).status).toBe(200)

    const room = `start-${randomUUID().slice(0, 8)}`
    const { id, headers } = await storeMessage(base, room, 'still here after a restart?')

    const second = start(env)
    expect(await second.exited).toBe(1)
    expect(second.output()).toContain(`Port ${port} is already in use`)

    expect(await stop(first), first.output()).toBe(0)
    expect(first.output()).toContain('Stopped.')
    await expect(fetch(`${base}/functions/v1/chat/health`)).rejects.toThrow()

    const again = start(env)
    await printed(again, 'Backchannel is running at')
    expect(again.output()).not.toContain('Applied migrations')
    // Same data folder: same messages, and the same signing key, so the old token still works.
    const history = await fetch(`${base}/functions/v1/chat/rooms/${room}/messages`, { headers })
    expect(history.status).toBe(200)
    expect((await history.json()).messages).toMatchObject([
      { id, body: 'still here after a restart?' },
    ])
    expect(await stop(again), again.output()).toBe(0)
  }, 60_000)

  it('takes its PostgreSQL with it when killed, and takes over one a crash left running', async () => {
    const env = { PORT: String(port), BACKCHANNEL_DATA_DIR: dataDir }
    const health = `${base}/functions/v1/chat/health`
    const killed = start(env)
    await printed(killed, 'Backchannel is running at')
    const first = await postgresPid(dataDir)
    killed.child.kill('SIGKILL')
    await killed.exited
    await gone(first)

    const next = start(env)
    await printed(next, 'Backchannel is running at')
    expect((await fetch(health)).status).toBe(200)
    // A crash that also takes the watchdog: PostgreSQL is left running without its stack.
    const orphan = await postgresPid(dataDir)
    process.kill(await parentOf(orphan), 'SIGKILL')
    next.child.kill('SIGKILL')
    await next.exited
    expect(isAlive(orphan)).toBe(true)

    const after = start(env)
    await printed(after, 'Backchannel is running at')
    expect(after.output()).toContain(
      `Stopped PostgreSQL (pid ${orphan}) left running by a run that crashed.`,
    )
    expect(isAlive(orphan)).toBe(false)
    expect((await fetch(health)).status).toBe(200)
    expect(await stop(after), after.output()).toBe(0)
  }, 60_000)

  it('uses the database at DATABASE_URL instead of the embedded one', async () => {
    const other = await freePort()
    const started = start({
      PORT: String(other),
      BACKCHANNEL_DATA_DIR: path.join(dataDir, 'external'),
      DATABASE_URL: inject('databaseUrl'),
    })
    await printed(started, 'Backchannel is running at')
    expect(started.output()).not.toContain('Starting PostgreSQL')
    expect((await fetch(`http://localhost:${other}/functions/v1/chat/health`)).status).toBe(200)
    expect(await stop(started), started.output()).toBe(0)
  }, 60_000)

  it('starts its PostgreSQL again when it crashes, with the data it had, and still stops on Ctrl-C', async () => {
    const env = { PORT: String(port), BACKCHANNEL_DATA_DIR: dataDir }
    const health = `${base}/functions/v1/chat/health`
    const started = start(env)
    await printed(started, 'Backchannel is running at')
    const room = `crash-${randomUUID().slice(0, 8)}`
    const before = await storeMessage(base, room, 'written before the crash')

    const crashed = await postgresPid(dataDir)
    process.kill(crashed, 'SIGKILL')
    await printed(started, `PostgreSQL (pid ${crashed}) was killed (SIGKILL); starting it again`)
    await printed(started, 'PostgreSQL is back')
    await expect.poll(async () => (await fetch(health)).status, { timeout: 30_000 }).toBe(200)
    expect((await before.history()).messages).toMatchObject([
      { id: before.id, body: 'written before the crash' },
    ])
    const restarted = await postgresPid(dataDir)
    expect(restarted).not.toBe(crashed)
    // `pg_ctl stop` (or anything that stops it cleanly) is no different.
    process.kill(restarted, 'SIGINT')
    await printed(started, `PostgreSQL (pid ${restarted}) stopped; starting it again`)
    await expect.poll(async () => (await fetch(health)).status, { timeout: 30_000 }).toBe(200)
    // Its watchdog killed, it would no longer stop with the stack: it is replaced by one that does.
    const unwatched = await postgresPid(dataDir)
    process.kill(await parentOf(unwatched), 'SIGKILL')
    await printed(
      started,
      `Stopped PostgreSQL (pid ${unwatched}), which ran on without its watchdog.`,
    )
    await expect.poll(async () => (await fetch(health)).status, { timeout: 30_000 }).toBe(200)

    expect(await stop(started), started.output()).toBe(0)
    expect(started.output()).toContain('Stopped.')
    expect(await processesOn(dataDir)).toEqual([])
  }, 90_000)

  it('stops for good on Ctrl-C while its PostgreSQL is down', async () => {
    const env = { PORT: String(port), BACKCHANNEL_DATA_DIR: dataDir }
    const started = start(env)
    await printed(started, 'Backchannel is running at')
    const crashed = await postgresPid(dataDir)
    process.kill(crashed, 'SIGKILL')
    await printed(started, 'starting it again in')

    // Most likely during the wait before the restart; whenever it comes, nothing stays behind.
    expect(await stop(started), started.output()).toBe(0)
    expect(await processesOn(dataDir)).toEqual([])
  }, 60_000)
})

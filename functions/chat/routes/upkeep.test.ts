import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  heldRemovals,
  ownDatabase,
} from '../../../test/chat-harness.ts'
import { createChatApp } from '../app.ts'
import { loadChatConfig } from '../config.ts'
import type { MediaStore } from '../media-store.ts'
import { createUpkeep } from '../upkeep.ts'

const SECRET = `${randomUUID()}${randomUUID()}`.replaceAll('-', '')

describe('POST /upkeep', () => {
  // A database of its own: a pass empties the whole queue of files to remove and purges every
  // room, which would take other files' rows.
  const database = ownDatabase('upkeep_route')
  const chat = createChatHarness({}, database.url)
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  /** The function with upkeep on (the secret SECRET), its files in `media`. */
  const appWith = (media: MediaStore = chat.deps.media, secret: string | null = SECRET) =>
    createChatApp({
      ...chat.deps,
      media,
      upkeep: createUpkeep({ databaseUrl: database.url, media, secret: secret ?? undefined }),
    })
  const upkeep = (
    app: ReturnType<typeof createChatApp>,
    headers: Record<string, string> = { Authorization: `Bearer ${SECRET}` },
    body?: string,
  ) => app.request('/chat/upkeep', { method: 'POST', headers, body })

  /** A file of a message retention purged, waiting in the queue (and still in storage). */
  async function queuedFile(): Promise<string> {
    const room = `upkeep-${randomUUID().slice(0, 8)}`
    const token = await chat.tokenFor(room)
    const { path } = await chat.uploadFile(room, token)
    await chat.sql`delete from chat.uploads where path = ${path}`
    await chat.sql`insert into chat.media_deletions (path) values (${path})`
    return path
  }
  const isQueued = async (path: string) =>
    (await chat.sql`select 1 from chat.media_deletions where path = ${path}`).length === 1

  it('is off, and says how to turn it on, while the function has no upkeep secret', async () => {
    const path = await queuedFile()
    for (const app of [chat.app, appWith(chat.deps.media, null)]) {
      const response = await upkeep(app)
      const error = await expectError(response, 503, 'upkeep_not_configured')
      expect(error.message).toContain('CHAT_UPKEEP_SECRET')
    }
    expect(await isQueued(path)).toBe(true)
  })

  it('refuses callers without the secret, with a wrong one of any length, or a room token', async () => {
    const app = appWith()
    const path = await queuedFile()
    const roomToken = await chat.tokenFor('upkeep-room')
    const wrong = SECRET.replace(/.$/, (last) => (last === 'a' ? 'b' : 'a'))
    const attempts: [Record<string, string>, string][] = [
      [{}, 'upkeep_secret_required'],
      [{ Authorization: '' }, 'upkeep_secret_required'],
      [{ Authorization: SECRET }, 'upkeep_secret_required'],
      [{ Authorization: `Basic ${btoa(`upkeep:${SECRET}`)}` }, 'upkeep_secret_required'],
      [{ Authorization: `Bearer ${wrong}` }, 'wrong_upkeep_secret'],
      [{ Authorization: `Bearer ${SECRET.slice(0, -1)}` }, 'wrong_upkeep_secret'],
      [{ Authorization: `Bearer ${SECRET}x` }, 'wrong_upkeep_secret'],
      [{ Authorization: `Bearer ${SECRET.toUpperCase()}` }, 'wrong_upkeep_secret'],
      [{ Authorization: `Bearer ${roomToken}` }, 'wrong_upkeep_secret'],
    ]
    for (const [headers, code] of attempts) {
      const response = await upkeep(app, headers, '{"retentionDays": 1}')
      await expectError(response, 401, code)
      expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="upkeep"')
    }
    // Nothing ran: the file is still queued and still stored.
    expect(await isQueued(path)).toBe(true)
    expect(await chat.deps.media.stat(path)).toBeDefined()
  })

  it('with the secret, runs one pass and answers what it did', async () => {
    const path = await queuedFile()
    const room = `upkeep-${randomUUID().slice(0, 8)}`
    const token = await chat.tokenFor(room)
    const sent = await chat.call('POST', `/rooms/${room}/messages`, {
      token,
      body: { id: chat.newIdFor(token), body: 'from long ago', attachments: [] },
    })
    const { id } = await sent.json()
    await chat.sql`update chat.messages set created_at = now() - interval '40 days'
      where id = ${id}::uuid`

    // Its file, and those the refused callers above left queued.
    const [queued] = await chat.sql<{ count: number }[]>`
      select count(*)::int as count from chat.media_deletions`

    const files = await upkeep(appWith())
    expect(files.status).toBe(200)
    expect(await files.json()).toEqual({
      messagesPurged: 0,
      filesRemoved: queued?.count,
      filesKept: 0,
      filesLeft: 0,
    })
    expect(await chat.deps.media.stat(path)).toBeUndefined()

    const purge = await upkeep(
      appWith(),
      { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
      '{"retentionDays": 30}',
    )
    expect(purge.status).toBe(200)
    expect(await purge.json()).toMatchObject({ messagesPurged: 1 })
    expect(await chat.sql`select id from chat.messages where id = ${id}::uuid`).toEqual([])
  })

  it('refuses a body it cannot read, naming the field', async () => {
    const app = appWith()
    const headers = { Authorization: `Bearer ${SECRET}` }
    await expectError(await upkeep(app, headers, 'retentionDays=30'), 400, 'invalid_json')
    for (const [body, field] of [
      ['{"retentionDays": 0}', 'retentionDays'],
      ['{"retentionDays": 1.5}', 'retentionDays'],
      ['{"retentionDays": "30"}', 'retentionDays'],
      ['{"days": 30}', 'days'],
    ] as const) {
      const error = await expectError(await upkeep(app, headers, body), 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toEqual([field])
    }
  })

  it('answers only POST', async () => {
    const response = await appWith().request('/chat/upkeep', {
      headers: { Authorization: `Bearer ${SECRET}` },
    })
    await expectError(response, 405, 'method_not_allowed')
  })

  it('twice at once: one pass runs, the other answers 409 and does nothing', async () => {
    const path = await queuedFile()
    const { store: slow, removed, inStorage, release } = heldRemovals(chat.deps.media)
    const app = appWith(slow)

    const first = upkeep(app)
    await inStorage
    const second = await upkeep(app)
    release()

    const error = await expectError(second, 409, 'upkeep_already_running')
    expect(error.message).toMatch(/already running/)
    expect(second.headers.get('Retry-After')).toBe('60')
    const done = await first
    expect(done.status).toBe(200)
    expect(await done.json()).toMatchObject({ filesRemoved: 1, filesLeft: 0 })
    expect(removed).toEqual([[path]])
  })

  it('answers 502 when storage fails, and leaves the files queued for the next pass', async () => {
    const path = await queuedFile()
    const broken: MediaStore = {
      ...chat.deps.media,
      remove: () => Promise.reject(new Error('Storage answered 500')),
    }

    const error = await expectError(await upkeep(appWith(broken)), 502, 'storage_failed')

    expect(error.message).toContain('next pass')
    expect(await isQueued(path)).toBe(true)
    expect((await upkeep(appWith())).status).toBe(200)
    expect(await isQueued(path)).toBe(false)
  })
})

describe('CHAT_UPKEEP_SECRET', () => {
  const base = { DATABASE_URL: 'postgres://localhost/chat', DAILY_API_KEY: 'x'.repeat(32) }

  it('is refused at start when it is too short to guard anything', () => {
    expect(() => loadChatConfig({ ...base, CHAT_UPKEEP_SECRET: 'short-secret' })).toThrow(
      /CHAT_UPKEEP_SECRET is too short to guard upkeep: at least 32 characters/,
    )
  })

  it('is optional: without it upkeep is off', () => {
    expect(loadChatConfig(base).upkeepSecret).toBeUndefined()
    expect(loadChatConfig({ ...base, CHAT_UPKEEP_SECRET: SECRET }).upkeepSecret).toBe(SECRET)
  })
})

// The chat function through a transaction-mode pooler, as in production (Supabase's transaction
// pooler, here PgBouncer in transaction mode): every transaction may run on another server
// connection, so anything that leans on session state (named prepared statements, SET, session
// advisory locks) breaks here and not against a direct connection.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { createDiskMediaStore } from '../../local/disk-media-store.ts'
import { expectError, GENEROUS_QUOTAS, TEST_API_KEY, uniqueRoom } from '../../test/chat-harness.ts'
import { type RunningPgBouncer, startPgBouncer } from '../../test/pgbouncer.ts'
import {
  type ChatUser,
  DEFAULT_MEDIA_MAX_BYTES,
  historyPageSchema,
  newMessageId,
  type StoredMessage,
  searchPageSchema,
  storedMessageSchema,
  tokenResponseSchema,
} from '../_shared/protocol.ts'
import { createChatApp } from './app.ts'
import type { ChatDeps } from './deps.ts'
import type { MessageStore } from './message-store.ts'
import { createPostgresMessageStore } from './postgres-message-store.ts'
import { createRoomTokens } from './tokens.ts'

/**
 * Few server connections for many clients: two function instances with 8 connections each share
 * 3 server connections, so consecutive statements of one client land on different ones (what
 * production sees under load, with Supabase's pool of 15 shared by every instance).
 */
const POOL_SIZE = 3
const CLIENT_CONNECTIONS_PER_INSTANCE = 8

const tokens = createRoomTokens({ apiKey: TEST_API_KEY, ttlSeconds: 3600 })
/** This run's own address for the join quota, which counts per address across test files. */
const peer = `pooler-test-${randomUUID()}`

/** One function instance on `databaseUrl`: its store (a pool of its own) and its app. */
function functionInstance(
  databaseUrl: string,
  mediaDir: string,
  config: Partial<ChatDeps['config']> = {},
) {
  const store = createPostgresMessageStore(databaseUrl, {
    poolMax: CLIENT_CONNECTIONS_PER_INSTANCE,
  })
  const media = createDiskMediaStore({
    dir: mediaDir,
    secret: 'test-storage-secret-0123456789abcdef',
    publicUrl: 'http://storage.test',
    maxBytes: DEFAULT_MEDIA_MAX_BYTES,
  }).store
  const app = createChatApp({
    config: {
      openRooms: true,
      rateLimit: { messages: 1000, windowSeconds: 10 },
      allowedOrigins: ['*'],
      mediaMaxBytes: DEFAULT_MEDIA_MAX_BYTES,
      mediaUrlTtlSeconds: 3600,
      quotas: GENEROUS_QUOTAS,
      proxyHops: 0,
      ...config,
    },
    store,
    media,
    tokens,
    peerAddress: () => peer,
  })
  const call = (
    method: string,
    route: string,
    { token, body }: { token?: string; body?: unknown } = {},
  ) =>
    app.request(`/chat${route}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  return { store, call }
}

type Instance = ReturnType<typeof functionInstance>

/** Someone in `room`, with their token. */
async function member(room: string, name = 'Ana') {
  const user: ChatUser = { id: randomUUID(), name }
  const { token } = await tokens.mint(room, user)
  return { room, user, token, newId: () => newMessageId(user.id) }
}
type Member = Awaited<ReturnType<typeof member>>

async function storedMessage(response: Response): Promise<StoredMessage> {
  return storedMessageSchema.parse(await response.json())
}

/** Opens every pooled connection of `instance`, so that concurrent requests use them all. */
const warm = (instance: Instance) =>
  Promise.all(Array.from({ length: CLIENT_CONNECTIONS_PER_INSTANCE }, () => instance.store.ping()))

describe('the chat function through a transaction-mode pooler (PgBouncer)', () => {
  const databaseUrl = inject('databaseUrl')
  const mediaDir = mkdtempSync(path.join(tmpdir(), 'backchannel-pooler-media-'))
  /** Direct SQL, not through the pooler: what was really stored. */
  const direct = postgres(databaseUrl, { max: 2, onnotice: () => {} })
  let pooler: RunningPgBouncer
  let a: Instance
  let b: Instance
  const stores: MessageStore[] = []

  beforeAll(async () => {
    // Fails (never skips) with what to do when PgBouncer is not installed.
    pooler = await startPgBouncer(databaseUrl, { poolSize: POOL_SIZE })
    expect(new URL(pooler.url).port).not.toBe(new URL(databaseUrl).port)
    a = functionInstance(pooler.url, mediaDir)
    b = functionInstance(pooler.url, mediaDir)
    stores.push(a.store, b.store)
  })

  afterEach(() => {
    vi.restoreAllMocks()
  })

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()))
    await pooler?.stop()
    await direct.end()
    rmSync(mediaDir, { recursive: true, force: true })
  })

  const post = (instance: Instance, who: Member, body: unknown) =>
    instance.call('POST', `/rooms/${who.room}/messages`, { token: who.token, body })

  async function send(instance: Instance, who: Member, body: string): Promise<StoredMessage> {
    const response = await post(instance, who, { id: who.newId(), body })
    expect(response.status).toBe(201)
    return storedMessage(response)
  }

  async function history(instance: Instance, who: Member, query = '') {
    const response = await instance.call('GET', `/rooms/${who.room}/messages?${query}`, {
      token: who.token,
    })
    expect(response.status).toBe(200)
    return historyPageSchema.parse(await response.json())
  }

  it('stores a message (201), answers a retry of its id with the same message (200), and a conflict with 409', async () => {
    const ana = await member(uniqueRoom('pool'))
    const id = ana.newId()
    const created = await post(a, ana, { id, body: 'hello through the pooler' })
    expect(created.status).toBe(201)
    const message = await storedMessage(created)
    expect(message).toMatchObject({
      id,
      room: ana.room,
      sender: ana.user,
      body: 'hello through the pooler',
    })

    // The retry goes through the other instance: another client, likely another server connection.
    const retry = await post(b, ana, { id, body: 'hello through the pooler' })
    expect(retry.status).toBe(200)
    expect(await storedMessage(retry)).toEqual(message)
    await expectError(await post(a, ana, { id, body: 'something else' }), 409, 'id_conflict')
    // A statement the database refuses (an unknown parent) leaves the server connection usable.
    await expectError(
      await post(b, ana, { id: ana.newId(), body: 'a reply', replyTo: randomUUID() }),
      400,
      'invalid_reply',
    )
    await send(b, ana, 'still fine')

    const rows = await direct`select body from chat.messages where room = ${ana.room} order by seq`
    expect(rows.map((row) => row.body)).toEqual(['hello through the pooler', 'still fine'])
  })

  it('answers the newest history page, oldest first, with hasMore', async () => {
    const ana = await member(uniqueRoom('pool'))
    for (const body of ['one', 'two', 'three', 'four']) await send(a, ana, body)

    const newest = await history(b, ana, 'limit=3')
    expect(newest.messages.map((m) => m.body)).toEqual(['two', 'three', 'four'])
    expect(newest.hasMore).toBe(true)
    const older = await history(a, ana, `limit=3&before=${newest.messages[0]?.seq}`)
    expect(older.messages.map((m) => m.body)).toEqual(['one'])
    expect(older.hasMore).toBe(false)
  })

  it('edits and deletes a message', async () => {
    const ana = await member(uniqueRoom('pool'))
    const message = await send(a, ana, 'frist')
    const edited = await b.call('PATCH', `/rooms/${ana.room}/messages/${message.id}`, {
      token: ana.token,
      body: { body: 'first' },
    })
    expect(edited.status).toBe(200)
    expect(await storedMessage(edited)).toMatchObject({
      id: message.id,
      body: 'first',
      editedAt: expect.any(String),
    })

    const deleted = await a.call('DELETE', `/rooms/${ana.room}/messages/${message.id}`, {
      token: ana.token,
    })
    expect(deleted.status).toBe(204)
    await expectError(
      await b.call('GET', `/rooms/${ana.room}/messages/${message.id}`, { token: ana.token }),
      404,
      'message_not_found',
    )
    expect((await history(a, ana)).messages).toEqual([])
  })

  it('adds a reaction, once however often, and takes it back', async () => {
    const ana = await member(uniqueRoom('pool'))
    const bo = await member(ana.room, 'Bo')
    const message = await send(a, ana, 'react to me')
    const reaction = `/rooms/${ana.room}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`

    for (const instance of [a, b]) {
      const added = await instance.call('PUT', reaction, { token: bo.token })
      expect(added.status).toBe(200)
      expect((await storedMessage(added)).reactions).toEqual([
        { emoji: '👍', count: 1, userIds: [bo.user.id] },
      ])
    }
    expect((await b.call('DELETE', reaction, { token: bo.token })).status).toBe(204)
    const read = await a.call('GET', `/rooms/${ana.room}/messages/${message.id}`, {
      token: ana.token,
    })
    expect(read.status).toBe(200)
    expect((await storedMessage(read)).reactions).toEqual([])
  })

  it('searches a room, newest first', async () => {
    const ana = await member(uniqueRoom('pool'))
    await send(a, ana, 'The release is on Friday')
    await send(b, ana, 'Lunch first')
    await send(a, ana, 'Release notes are ready')

    const response = await b.call('GET', `/rooms/${ana.room}/search?q=release`, {
      token: ana.token,
    })
    expect(response.status).toBe(200)
    const page = searchPageSchema.parse(await response.json())
    expect(page.messages.map((m) => m.body)).toEqual([
      'Release notes are ready',
      'The release is on Friday',
    ])
    expect(page.hasMore).toBe(false)
  })

  it('refuses the 4th message of a sender in a room with 429 rate_limited, across instances; quotas too', async () => {
    const limits = {
      rateLimit: { messages: 3, windowSeconds: 60 },
      quotas: { ...GENEROUS_QUOTAS, edit: { count: 2, windowSeconds: 60 } },
    }
    const one = functionInstance(pooler.url, mediaDir, limits)
    const two = functionInstance(pooler.url, mediaDir, limits)
    stores.push(one.store, two.store)
    const ana = await member(uniqueRoom('pool'))

    const ids = [ana.newId(), ana.newId(), ana.newId()]
    for (const [index, id] of ids.entries()) {
      const response = await post(index % 2 ? two : one, ana, { id, body: `message ${index}` })
      expect(response.status).toBe(201)
    }
    const refused = await post(two, ana, { id: ana.newId(), body: 'one too many' })
    await expectError(refused, 429, 'rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    await expectError(await post(one, ana, { id: ana.newId(), body: 'again' }), 429, 'rate_limited')
    // A retry of a stored message is not a new one.
    expect((await post(two, ana, { id: ids[0], body: 'message 0' })).status).toBe(200)
    const [count] =
      await direct`select count(*)::int as n from chat.messages where room = ${ana.room}`
    expect(count?.n).toBe(3)

    // The edit quota (2 a minute) is counted in the database too, whichever instance asks.
    const edit = (instance: Instance, body: string) =>
      instance.call('PATCH', `/rooms/${ana.room}/messages/${ids[0]}`, {
        token: ana.token,
        body: { body },
      })
    expect((await edit(one, 'edited once')).status).toBe(200)
    expect((await edit(two, 'edited twice')).status).toBe(200)
    await expectError(await edit(one, 'edited thrice'), 429, 'rate_limited')
  })

  it('holds a join storm and 40 concurrent writes to one room: all stored once, in seq order', async () => {
    await Promise.all([warm(a), warm(b)])
    // The function logs what it did not expect (a 500, a database error): nothing, here.
    const logged = vi.spyOn(console, 'error')
    const room = uniqueRoom('pool-storm')
    // 20 people join at once (each join takes a quota in the database), then each sends 2.
    const joins = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 ? b : a).call('POST', `/rooms/${room}/tokens`, {
          body: { userName: `Guest ${index}` },
        }),
      ),
    )
    expect(joins.map((response) => response.status)).toEqual(Array(20).fill(201))
    const people = await Promise.all(
      joins.map(async (response) => {
        const { token, user } = tokenResponseSchema.parse(await response.json())
        return { room, user, token, newId: () => newMessageId(user.id) }
      }),
    )
    const sends = people.flatMap((who, index) =>
      [0, 1].map((n) => ({ who, id: who.newId(), body: `storm ${index}.${n}` })),
    )
    // History reads race the writes on the same few server connections.
    const [written, reads] = await Promise.all([
      Promise.all(
        sends.map(({ who, id, body }, index) => post(index % 2 ? b : a, who, { id, body })),
      ),
      Promise.all(
        people.slice(0, 10).map((who, index) =>
          (index % 2 ? a : b).call('GET', `/rooms/${room}/messages?limit=100`, {
            token: who.token,
          }),
        ),
      ),
    ])
    expect(written.map((response) => response.status)).toEqual(Array(40).fill(201))
    expect(reads.map((response) => response.status)).toEqual(Array(10).fill(200))
    const stored = await Promise.all(written.map(storedMessage))
    expect(stored.map((message) => message.id)).toEqual(sends.map(({ id }) => id))

    const retries = await Promise.all(
      sends
        .slice(0, 10)
        .map(({ who, id, body }, index) => post(index % 2 ? a : b, who, { id, body })),
    )
    expect(retries.map((response) => response.status)).toEqual(Array(10).fill(200))

    // History holds each exactly once, oldest first, in the seq order the writes were given.
    const page = await history(a, people[0] as Member, 'limit=100')
    expect(page.hasMore).toBe(false)
    const bySeq = [...stored].sort((x, y) => x.seq - y.seq)
    expect(page.messages.map((m) => m.id)).toEqual(bySeq.map((m) => m.id))
    expect(new Set(page.messages.map((m) => m.seq)).size).toBe(40)
    const [count] = await direct`select count(*)::int as n from chat.messages where room = ${room}`
    expect(count?.n).toBe(40)
    expect(logged).not.toHaveBeenCalled()
  })

  it('answers 503 database_unavailable once the pooler is gone (requests really go through it)', async () => {
    const ana = await member(uniqueRoom('pool'))
    await send(a, ana, 'before')
    // The function logs each 503's cause; expected here.
    vi.spyOn(console, 'error').mockImplementation(() => {})
    await pooler.stop()
    for (const instance of [a, b]) {
      const response = await instance.call('GET', `/rooms/${ana.room}/messages`, {
        token: ana.token,
      })
      await expectError(response, 503, 'database_unavailable')
    }
  })
})

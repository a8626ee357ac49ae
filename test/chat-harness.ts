// The chat function wired to the test database, called in process with app.request().
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Hono } from 'hono'
import postgres from 'postgres'
import { expect, inject } from 'vitest'
import {
  type Attachment,
  type ChatUser,
  DEFAULT_MEDIA_MAX_BYTES,
  errorResponseSchema,
  type MediaType,
  newMessageId,
} from '../functions/_shared/protocol.ts'
import { createChatApp } from '../functions/chat/app.ts'
import type { ChatDeps } from '../functions/chat/deps.ts'
import { createLiveBroadcast } from '../functions/chat/live-broadcast.ts'
import type { MediaStore } from '../functions/chat/media-store.ts'
import { createPostgresMessageStore } from '../functions/chat/postgres-message-store.ts'
import { jsonLineLog } from '../functions/chat/request-log.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { createDiskMediaStore } from '../local/disk-media-store.ts'

export const TEST_API_KEY = 'test-daily-api-key-0123456789abcdef'

/** A room name no other test uses. */
export const uniqueRoom = (prefix = 'room') => `${prefix}-${randomUUID().slice(0, 8)}`

export interface ChatHarness {
  app: ReturnType<typeof createChatApp>
  deps: ChatDeps
  /** Direct SQL on the test database, for assertions on what was (not) written. */
  sql: postgres.Sql
  /** The function's log lines so far, as deployed it would write them (kept here, not printed). */
  logLines: string[]
  /**
   * What the function sent live itself (deps.live), as Daily's REST API would carry it, once
   * `liveSettled()` resolves: each app message with its room.
   */
  liveSent: { room: string; data: unknown }[]
  liveSettled(): Promise<void>
  /** A token for `room` as a new user called `name` (a room owner with `owner`). */
  tokenFor(room: string, name?: string, options?: { owner?: boolean }): Promise<string>
  /** Someone new in `room` called `name`: who they are, and their token. */
  member(room: string, name?: string): Promise<HarnessMember>
  /** A new message id for the holder of `token` (ids carry their sender: see newMessageId). */
  newIdFor(token: string): string
  /** Calls the function: `path` is below /chat, `body` is JSON-encoded unless it is a string. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>
  /**
   * Uploads `bytes` as a file of `room` the way a browser does (upload URL, then PUT to local-disk
   * storage) and returns the attachment to send with a message.
   */
  uploadFile(
    room: string,
    token: string,
    file?: { bytes?: Uint8Array<ArrayBuffer>; type?: MediaType; name?: string },
  ): Promise<Attachment>
  /** Requests to the local-disk storage, as a browser would make them to its URLs. */
  storage(url: string, init?: RequestInit): Promise<Response>
  close(): Promise<void>
}

/** A person in a room, as `ChatHarness.member` makes them. */
export interface HarnessMember {
  room: string
  user: ChatUser
  token: string
}

const generous = { count: 1000, windowSeconds: 60 }
/** Quotas no test meets: most tests are not about quotas (each quota test sets its own). */
export const GENEROUS_QUOTAS: ChatDeps['config']['quotas'] = {
  upload: generous,
  edit: generous,
  token: generous,
  transcript: generous,
  reaction: generous,
  report: generous,
  settings: generous,
  pin: generous,
  pollVote: generous,
  question: generous,
  questionVote: generous,
  questionModeration: generous,
  messageReview: generous,
}

/** The storage URLs' origin in tests: requests to it go to `storage()`, in process. */
const TEST_STORAGE_ORIGIN = 'http://storage.test'

/**
 * A database of the test file's own, copied from the migrated one (test/global-setup.ts), for
 * tests that act on every room at once (a purge, a view across rooms): no other file running
 * meanwhile can add rows that change their outcome, nor lose its rows to them. Pass `url` to
 * createChatHarness, and call `create()` (e.g. in beforeAll) before anything connects.
 */
export function ownDatabase(prefix: string): { url: string; create(): Promise<void> } {
  const name = `${prefix}_${randomUUID().slice(0, 8)}`
  const server = inject('databaseUrl')
  return {
    url: Object.assign(new URL(server), { pathname: `/${name}` }).href,
    async create() {
      const admin = postgres(server, { max: 1, onnotice: () => {} })
      try {
        await admin`create database ${admin(name)} template ${admin(inject('templateDatabase'))}`
      } finally {
        await admin.end()
      }
    },
  }
}

export function createChatHarness(
  config: Partial<ChatDeps['config']> = {},
  databaseUrl = inject('databaseUrl'),
  /** The store's own options: a shorter deadline for queries, for the fault tests. */
  storeOptions: { timeoutMs?: number } = {},
): ChatHarness {
  const store = createPostgresMessageStore(databaseUrl, storeOptions)
  const tokens = createRoomTokens({ apiKey: TEST_API_KEY, ttlSeconds: 3600 })
  const mediaDir = mkdtempSync(path.join(tmpdir(), 'backchannel-media-'))
  const logLines: string[] = []
  const mediaMaxBytes = config.mediaMaxBytes ?? DEFAULT_MEDIA_MAX_BYTES
  const disk = createDiskMediaStore({
    dir: mediaDir,
    secret: 'test-storage-secret-0123456789abcdef',
    publicUrl: TEST_STORAGE_ORIGIN,
    maxBytes: mediaMaxBytes,
  })
  const storageApp = new Hono().route('/storage/v1', disk.routes)
  const liveSent: { room: string; data: unknown }[] = []
  const live = createLiveBroadcast({
    send: async (room, data) => {
      liveSent.push({ room, data })
    },
    log: (line) => logLines.push(line),
    gatherMs: 1,
  })
  const deps: ChatDeps = {
    config: {
      openRooms: true,
      rateLimit: { messages: 20, windowSeconds: 10 },
      allowedOrigins: ['*'],
      mediaMaxBytes,
      mediaUrlTtlSeconds: 3600,
      quotas: GENEROUS_QUOTAS,
      proxyHops: 0,
      ...config,
    },
    store,
    media: disk.store,
    tokens,
    live,
    log: jsonLineLog((_level, line) => logLines.push(line)),
  }
  const storage = async (url: string, init?: RequestInit) => {
    const { pathname, search } = new URL(url)
    return storageApp.request(`${pathname}${search}`, init)
  }
  const app = createChatApp(deps)
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} })

  return {
    app,
    deps,
    sql,
    logLines,
    liveSent,
    liveSettled: () => live.settled(),
    async tokenFor(room, name = 'Ana', options = {}) {
      return (await tokens.mint(room, { id: randomUUID(), name }, options)).token
    },
    async member(room, name = 'Ana') {
      const user: ChatUser = { id: randomUUID(), name }
      const { token } = await tokens.mint(room, user)
      return { room, user, token }
    },
    newIdFor(token) {
      return newMessageId(userIdOf(token))
    },
    async call(method, path, { token, body, headers = {} } = {}) {
      return app.request(`/chat${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
    },
    storage,
    async uploadFile(
      room,
      token,
      { bytes = PNG_BYTES, type = 'image/png', name = 'photo.png' } = {},
    ) {
      const response = await this.call('POST', `/rooms/${room}/uploads`, {
        token,
        body: { name, type, size: bytes.byteLength },
      })
      expect(response.status).toBe(201)
      const upload = await response.json()
      const put = await storage(upload.uploadUrl, {
        method: 'PUT',
        headers: { 'Content-Type': type },
        body: bytes,
      })
      expect(put.status).toBe(200)
      return { path: upload.path, name, type, size: bytes.byteLength }
    },
    async close() {
      await store.close()
      await sql.end()
      rmSync(mediaDir, { recursive: true, force: true })
    },
  }
}

/** The user id (`ud`) of a token, read without checking it. */
export function userIdOf(token: string): string {
  const payload = token.split('.')[1] ?? ''
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).ud
}

/**
 * Asserts the error contract: exactly {error: {code, message, fields?, requestId}} with this
 * status/code, the request id the same as X-Request-Id's; returns the error without its id.
 */
export async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const json = await response.json()
  expect(Object.keys(json)).toEqual(['error'])
  const { error } = errorResponseSchema.parse(json)
  const { code: actualCode, message, fields, requestId, ...rest } = json.error
  expect(rest).toEqual({})
  expect(actualCode).toBe(code)
  expect(message).toEqual(expect.stringMatching(/\S/))
  // The function's answers name their request in the body and in X-Request-Id alike (the local
  // stack's stand-ins for other services, which have no request log, in neither).
  const headerId = response.headers.get('X-Request-Id')
  expect(requestId).toBe(headerId ?? undefined)
  if (headerId !== null) expect(headerId).toMatch(/^[\w-]{1,64}$/)
  const { requestId: _, ...withoutId } = error
  return { ...withoutId, fields }
}

/** A 1×1 PNG. */
export const PNG_BYTES = Uint8Array.from(
  atob(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  ),
  (char) => char.charCodeAt(0),
)

/**
 * `media` with its removals held until `release()`: for a second upkeep pass while the first is
 * in storage. `removed` lists what each removal was asked for; `inStorage` resolves when the first
 * one arrives.
 */
export function heldRemovals(media: MediaStore) {
  const removed: string[][] = []
  let entered: () => void = () => {}
  const inStorage = new Promise<void>((resolve) => {
    entered = resolve
  })
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const store: MediaStore = {
    ...media,
    async remove(paths) {
      removed.push([...paths])
      entered()
      await released
      return media.remove(paths)
    },
  }
  return { store, removed, inStorage, release }
}

import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_MEDIA_MAX_BYTES, MEDIA_BUCKET, MEDIA_TYPES } from '../_shared/protocol.ts'
import { loadChatConfig, requireSupabaseStorage } from './config.ts'
import {
  createSupabaseMediaStore,
  MAX_REMOVE_BATCH,
  SIGNED_UPLOAD_TTL_MS,
} from './supabase-media-store.ts'

/** A legacy service_role key: a JWT (HS256, `role: service_role`). */
const SERVICE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.test-signature-0123456789'
/** A new secret key: not a JWT. */
const SECRET_KEY = 'sb_secret_test0123456789abcdefABCDEF'
const ROOM = 'standup'
const mediaPath = (extension: string) => `${ROOM}/${randomUUID()}.${extension}`

interface RecordedRequest {
  method: string
  /** Path and query, as sent. */
  url: string
  headers: IncomingHttpHeaders
  body: string
}

interface StoredFile {
  bytes: Buffer
  type: string
  createdAt: string
}

type Reply = { status: number; body: unknown }

/**
 * Supabase Storage as supabase-js sees it, on 127.0.0.1: the REST paths under /storage/v1, the
 * key check (the project's key in `apikey`, the same key as the bearer when there is no user
 * session), signed upload and read tokens, and errors in Storage's own shape (a missing object is
 * HTTP 400 with statusCode "404" in the body). Records every request.
 */
class StorageDouble {
  readonly requests: RecordedRequest[] = []
  readonly files = new Map<string, StoredFile>()
  readonly buckets = new Set(['chat-media'])
  /** The project's keys that may use every bucket: the legacy service_role JWT and a secret key. */
  readonly keys = new Set([SERVICE_KEY, SECRET_KEY])
  /** What a missing object answers with: real Storage says 400; a 404 must mean the same. */
  missingStatus = 400
  /** Answers the next authenticated request with this instead. */
  failNext: Reply | undefined
  origin = ''
  private readonly uploadTokens = new Map<string, string>()
  private readonly readTokens = new Map<string, string>()
  private server: Server | undefined

  async start() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const body = Buffer.concat(chunks)
        this.requests.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: body.toString('utf8'),
        })
        const reply = this.answer(request.method ?? '', request.url ?? '', request.headers, body)
        if (Buffer.isBuffer(reply.body)) {
          response.writeHead(reply.status, reply.headers).end(reply.body)
        } else {
          response
            .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
            .end(JSON.stringify(reply.body))
        }
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop() {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }

  reset() {
    this.requests.length = 0
    this.missingStatus = 400
    this.failNext = undefined
  }

  /** Puts a file in place as if someone had uploaded it. */
  put(path: string, bytes: Buffer, type: string, bucket = 'chat-media') {
    this.files.set(`${bucket}/${path}`, { bytes, type, createdAt: new Date().toISOString() })
  }

  private answer(
    method: string,
    rawUrl: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Reply & { headers?: Record<string, string> } {
    const url = new URL(rawUrl, this.origin)
    const route = decodeURIComponent(url.pathname).replace(/^\/storage\/v1/, '')
    const match = (pattern: RegExp) => pattern.exec(route)?.slice(1) as [string, string]
    const token = url.searchParams.get('token') ?? ''

    // Reached with a signed token instead of the service key (the browser's requests).
    const uploadTo = method === 'PUT' && match(/^\/object\/upload\/sign\/([^/]+)\/(.+)$/)
    if (uploadTo) {
      const key = uploadTo.join('/')
      if (this.uploadTokens.get(token) !== key) return signatureError()
      if (this.files.has(key)) return storageError(409, 'Duplicate', 'The resource already exists')
      this.put(uploadTo[1], body, headers['content-type'] ?? '', uploadTo[0])
      return { status: 200, body: { Key: key, Id: randomUUID() } }
    }
    const readFrom = method === 'GET' && match(/^\/object\/sign\/([^/]+)\/(.+)$/)
    if (readFrom) {
      const key = readFrom.join('/')
      const file = this.files.get(key)
      if (this.readTokens.get(token) !== key || !file) return signatureError()
      // As Storage's renderer does (handleDownload): `download=` is read unsigned, and empty
      // means a download without a name.
      const download = url.searchParams.get('download')
      const named = download ? encodeURIComponent(download) : ''
      const disposition = named
        ? `attachment; filename=${named}; filename*=UTF-8''${named};`
        : 'attachment;'
      return {
        status: 200,
        body: file.bytes,
        headers: {
          'content-type': file.type,
          ...(download === null ? {} : { 'content-disposition': disposition }),
        },
      }
    }

    const apiKey = headers.apikey
    if (
      typeof apiKey !== 'string' ||
      !this.keys.has(apiKey) ||
      headers.authorization !== `Bearer ${apiKey}`
    ) {
      return storageError(403, 'Unauthorized', 'Invalid Compact JWS')
    }
    if (this.failNext) {
      const reply = this.failNext
      this.failNext = undefined
      return reply
    }

    const signUpload = method === 'POST' && match(/^\/object\/upload\/sign\/([^/]+)\/(.+)$/)
    if (signUpload) {
      if (!this.buckets.has(signUpload[0])) return storageError(404, 'Bucket not found')
      const issued = randomBytes(24).toString('base64url')
      this.uploadTokens.set(issued, signUpload.join('/'))
      return {
        status: 200,
        body: { url: `/object/upload/sign/${signUpload.join('/')}?token=${issued}` },
      }
    }
    const info = method === 'GET' && match(/^\/object\/info\/([^/]+)\/(.+)$/)
    if (info) {
      const file = this.files.get(info.join('/'))
      if (!file) {
        return {
          status: this.missingStatus,
          body: storageErrorBody(404, 'NoSuchKey', 'Object not found'),
        }
      }
      // The fields Storage's info renderer sends.
      return {
        status: 200,
        body: {
          id: randomUUID(),
          name: info[1],
          version: randomUUID(),
          bucket_id: info[0],
          size: file.bytes.length,
          content_type: file.type,
          cache_control: 'max-age=3600',
          etag: '"etag"',
          metadata: {},
          last_modified: file.createdAt,
          created_at: file.createdAt,
        },
      }
    }
    const signRead = method === 'POST' && match(/^\/object\/sign\/([^/]+)$/)
    if (signRead) {
      const { paths } = JSON.parse(body.toString()) as { expiresIn: number; paths: string[] }
      return {
        status: 200,
        body: paths.map((path) => {
          const key = `${signRead[0]}/${path}`
          if (!this.files.has(key)) {
            return {
              error: 'Either the object does not exist or you do not have access to it',
              path,
              signedURL: null,
            }
          }
          const issued = randomBytes(24).toString('base64url')
          this.readTokens.set(issued, key)
          return { error: null, path, signedURL: `/object/sign/${key}?token=${issued}` }
        }),
      }
    }
    const remove = method === 'DELETE' && match(/^\/object\/([^/]+)$/)
    if (remove) {
      const { prefixes } = JSON.parse(body.toString()) as { prefixes: string[] }
      const removed = prefixes.filter((path) => this.files.delete(`${remove[0]}/${path}`))
      return {
        status: 200,
        body: removed.map((name) => ({ name, bucket_id: remove[0], id: randomUUID() })),
      }
    }
    return storageError(404, 'not_found', 'Route not found')
  }
}

const storageErrorBody = (statusCode: number, error: string, message = error) => ({
  statusCode: String(statusCode),
  error,
  message,
})
// Storage sends its errors with HTTP 400 unless they are 500s; the real status is in the body.
const storageError = (statusCode: number, error: string, message = error): Reply => ({
  status: statusCode === 500 ? 500 : 400,
  body: storageErrorBody(statusCode, error, message),
})
const signatureError = () => storageError(400, 'InvalidSignature', 'The signature is invalid')

/** Fails the test unless `promise` rejects with an Error; returns its message. */
async function rejectionMessage(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  )
  expect(outcome).not.toHaveProperty('resolved')
  const error = (outcome as { rejected: unknown }).rejected
  expect(error).toBeInstanceOf(Error)
  return (error as Error).message
}

describe('createSupabaseMediaStore', () => {
  const double = new StorageDouble()
  const store = (bucket?: string) =>
    createSupabaseMediaStore({ url: double.origin, apiKey: SERVICE_KEY, bucket })

  /** Headers every request with the service key carries. */
  const serviceHeaders = () => ({ authorization: `Bearer ${SERVICE_KEY}`, apikey: SERVICE_KEY })

  beforeAll(() => double.start())
  afterAll(() => double.stop())
  beforeEach(() => double.reset())

  describe('createUpload', () => {
    it('has Storage sign an upload to the path; returns the absolute URL, valid 2 h', async () => {
      const path = mediaPath('png')
      const before = Date.now()
      const upload = await store().createUpload(path, { type: 'image/png', size: 1234 })
      const after = Date.now()

      expect(double.requests).toHaveLength(1)
      const [request] = double.requests
      expect(request).toMatchObject({
        method: 'POST',
        url: `/storage/v1/object/upload/sign/chat-media/${path}`,
        headers: { ...serviceHeaders(), 'content-type': 'application/json' },
      })
      expect(JSON.parse(request?.body ?? '')).toEqual({})
      // Without x-upsert the URL cannot replace a file once it is there.
      expect(request?.headers).not.toHaveProperty('x-upsert')

      const url = new URL(upload.uploadUrl)
      expect(url.origin).toBe(double.origin)
      expect(url.pathname).toBe(`/storage/v1/object/upload/sign/chat-media/${path}`)
      expect(url.searchParams.get('token')).toMatch(/^[\w-]{32}$/)
      expect(upload.expiresAt.getTime()).toBeGreaterThanOrEqual(before + SIGNED_UPLOAD_TTL_MS)
      expect(upload.expiresAt.getTime()).toBeLessThanOrEqual(after + SIGNED_UPLOAD_TTL_MS)
      expect(SIGNED_UPLOAD_TTL_MS).toBe(2 * 60 * 60 * 1000)
    })

    it('uses the bucket given; throws Storage’s message when it does not exist', async () => {
      const path = mediaPath('png')
      const message = await rejectionMessage(
        store('no-such-bucket').createUpload(path, { type: 'image/png', size: 1 }),
      )
      expect(message).toContain('Bucket not found')
      expect(double.requests.map((r) => r.url)).toEqual([
        `/storage/v1/object/upload/sign/no-such-bucket/${path}`,
      ])
    })
  })

  describe('stat', () => {
    it('reads size and type from the object info endpoint in one request', async () => {
      const path = mediaPath('pdf')
      double.put(path, Buffer.alloc(4321), 'application/pdf')

      expect(await store().stat(path)).toEqual({ size: 4321, type: 'application/pdf' })
      expect(double.requests).toHaveLength(1)
      expect(double.requests[0]).toMatchObject({
        method: 'GET',
        url: `/storage/v1/object/info/chat-media/${path}`,
        headers: serviceHeaders(),
        body: '',
      })
    })

    it('returns undefined for "Object not found" (HTTP 400, statusCode 404)', async () => {
      expect(await store().stat(mediaPath('png'))).toBeUndefined()
    })

    it('returns undefined for a plain HTTP 404 as well', async () => {
      double.missingStatus = 404
      expect(await store().stat(mediaPath('png'))).toBeUndefined()
    })

    it('throws on any other failure, with Storage’s message', async () => {
      double.failNext = storageError(500, 'InternalError', 'database is down')
      expect(await rejectionMessage(store().stat(mediaPath('png')))).toContain('database is down')
    })

    it('does not take a refused key for a missing file', async () => {
      const wrongKey = createSupabaseMediaStore({ url: double.origin, apiKey: 'wrong' })
      expect(await rejectionMessage(wrongKey.stat(mediaPath('png')))).toContain(
        'Invalid Compact JWS',
      )
    })
  })

  describe('signReadUrls', () => {
    it('signs every file in one batch request and keeps the order asked', async () => {
      const image = mediaPath('png')
      const pdf = mediaPath('pdf')
      const video = mediaPath('mp4')
      double.put(image, Buffer.from('png'), 'image/png')
      double.put(pdf, Buffer.from('pdf'), 'application/pdf')
      double.put(video, Buffer.from('mp4'), 'video/mp4')

      const urls = await store().signReadUrls(
        [
          { path: pdf, downloadAs: 'Q3 résumé & notes.pdf' },
          { path: image, downloadAs: 'cat.png' },
          { path: video, downloadAs: 'clip.mp4' },
        ],
        3600,
      )

      expect(double.requests).toHaveLength(1)
      const [request] = double.requests
      expect(request).toMatchObject({
        method: 'POST',
        url: '/storage/v1/object/sign/chat-media',
        headers: { ...serviceHeaders(), 'content-type': 'application/json' },
      })
      expect(JSON.parse(request?.body ?? '')).toEqual({
        expiresIn: 3600,
        paths: [pdf, image, video],
      })

      const [pdfUrl, imageUrl, videoUrl] = urls.map((url) => new URL(url as string))
      expect(urls).toHaveLength(3)
      for (const [url, path] of [
        [pdfUrl, pdf],
        [imageUrl, image],
        [videoUrl, video],
      ] as const) {
        expect(url?.origin).toBe(double.origin)
        expect(url?.pathname).toBe(`/storage/v1/object/sign/chat-media/${path}`)
        expect(url?.searchParams.get('token')).toMatch(/^[\w-]{32}$/)
      }
      // Only what is not shown inline is a download, and without the name people gave it:
      // Storage's token does not cover `download=`, so no name of ours rides unsigned.
      expect(pdfUrl?.searchParams.get('download')).toBe('')
      expect(urls[0]).not.toContain('notes')
      expect(imageUrl?.searchParams.has('download')).toBe(false)
      expect(videoUrl?.searchParams.has('download')).toBe(false)
    })

    it('asks nothing for no files', async () => {
      expect(await store().signReadUrls([], 60)).toEqual([])
      expect(double.requests).toEqual([])
    })

    it('answers undefined for a file Storage no longer has, and signs the others', async () => {
      const missing = mediaPath('png')
      const present = mediaPath('png')
      double.put(present, Buffer.from('png'), 'image/png')
      const urls = await store().signReadUrls(
        [
          { path: missing, downloadAs: 'gone.png' },
          { path: present, downloadAs: 'here.png' },
        ],
        60,
      )
      expect(urls[0]).toBeUndefined()
      expect(urls[1]).toContain(present)
    })

    it('throws when the batch request fails', async () => {
      double.failNext = storageError(500, 'InternalError', 'signing key unavailable')
      const message = await rejectionMessage(
        store().signReadUrls([{ path: mediaPath('png'), downloadAs: 'a.png' }], 60),
      )
      expect(message).toContain('signing key unavailable')
    })
  })

  describe('remove', () => {
    it('deletes the paths in one request with a prefixes body', async () => {
      const kept = mediaPath('png')
      const removed = [mediaPath('png'), mediaPath('pdf')]
      for (const path of [kept, ...removed]) double.put(path, Buffer.from('x'), 'image/png')

      const missing = mediaPath('gif')
      await store().remove([...removed, missing])

      expect(double.requests).toHaveLength(1)
      const [request] = double.requests
      expect(request).toMatchObject({
        method: 'DELETE',
        url: '/storage/v1/object/chat-media',
        headers: { ...serviceHeaders(), 'content-type': 'application/json' },
      })
      expect(JSON.parse(request?.body ?? '')).toEqual({ prefixes: [...removed, missing] })
      expect([...double.files.keys()]).toContain(`chat-media/${kept}`)
      for (const path of removed) expect(double.files.has(`chat-media/${path}`)).toBe(false)
    })

    it('sends nothing for no paths', async () => {
      await store().remove([])
      expect(double.requests).toEqual([])
    })

    it(`splits more than ${MAX_REMOVE_BATCH} paths over requests Storage accepts`, async () => {
      const paths = Array.from({ length: MAX_REMOVE_BATCH + 1 }, () => mediaPath('png'))
      await store().remove(paths)
      expect(double.requests.map((r) => JSON.parse(r.body).prefixes)).toEqual([
        paths.slice(0, MAX_REMOVE_BATCH),
        paths.slice(MAX_REMOVE_BATCH),
      ])
    })

    it('throws when Storage refuses', async () => {
      double.failNext = storageError(500, 'InternalError', 'cannot delete')
      expect(await rejectionMessage(store().remove([mediaPath('png')]))).toContain('cannot delete')
    })
  })

  it('sends its requests through the fetch it is given', async () => {
    const seen: string[] = []
    const media = createSupabaseMediaStore({
      url: double.origin,
      apiKey: SERVICE_KEY,
      fetch: (input, init) => {
        seen.push(String(input))
        return fetch(input, init)
      },
    })
    const path = mediaPath('png')
    expect(await media.stat(path)).toBeUndefined()
    expect(seen).toEqual([`${double.origin}/storage/v1/object/info/chat-media/${path}`])
  })

  it('carries a file from upload URL to signed read URL', async () => {
    const media = store()
    const path = mediaPath('pdf')
    const bytes = randomBytes(2048)

    expect(await media.stat(path)).toBeUndefined()
    const { uploadUrl } = await media.createUpload(path, { type: 'application/pdf', size: 2048 })

    // The browser's PUT: only the token in the URL, no service key.
    const forged = new URL(uploadUrl)
    forged.searchParams.set('token', 'forged')
    const refused = await fetch(forged, { method: 'PUT', body: bytes })
    expect(refused.status).toBe(400)
    const put = await fetch(uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'application/pdf' },
      body: bytes,
    })
    expect(put.status).toBe(200)
    expect(double.requests.at(-1)?.headers).not.toHaveProperty('authorization')
    // Without upsert, the URL cannot replace the file once it is there (and has been checked).
    const again = await fetch(uploadUrl, { method: 'PUT', body: randomBytes(10) })
    expect(again.status).toBe(400)

    expect(await media.stat(path)).toEqual({ size: 2048, type: 'application/pdf' })
    const [url] = await media.signReadUrls([{ path, downloadAs: 'Plan B.pdf' }], 600)
    const read = await fetch(url as string)
    expect(read.status).toBe(200)
    expect(read.headers.get('content-type')).toBe('application/pdf')
    // A download with no name: the browser names it after the object, <uuid>.pdf.
    expect(read.headers.get('content-disposition')).toBe('attachment;')
    expect(new URL(url as string).pathname.endsWith(`/${path}`)).toBe(true)
    expect(Buffer.from(await read.arrayBuffer()).equals(bytes)).toBe(true)

    await media.remove([path])
    expect(await media.stat(path)).toBeUndefined()
  })
})

describe('the Storage key, from the environment', () => {
  const double = new StorageDouble()
  beforeAll(() => double.start())
  afterAll(() => double.stop())
  beforeEach(() => double.reset())

  /** The function's configuration with these Storage variables (and what else it requires). */
  const configWith = (storage: Record<string, string>) =>
    loadChatConfig({
      DATABASE_URL: 'postgres://localhost/chat',
      DAILY_API_KEY: 'test-daily-api-key-0123456789abcdef',
      SUPABASE_URL: double.origin,
      ...storage,
    })

  /** Every kind of request the store makes, then the key headers each one carried. */
  async function keyHeadersSent(storage: Record<string, string>) {
    const media = createSupabaseMediaStore(requireSupabaseStorage(configWith(storage)))
    const path = mediaPath('png')
    double.put(path, Buffer.from('png'), 'image/png')
    await media.createUpload(mediaPath('png'), { type: 'image/png', size: 3 })
    expect(await media.stat(path)).toEqual({ size: 3, type: 'image/png' })
    expect(await media.signReadUrls([{ path, downloadAs: 'a.png' }], 60)).toHaveLength(1)
    await media.remove([path])
    expect(double.requests.map((request) => request.method)).toEqual([
      'POST',
      'GET',
      'POST',
      'DELETE',
    ])
    return double.requests.map(({ headers }) => ({
      apikey: headers.apikey,
      authorization: headers.authorization,
    }))
  }

  it('sends a secret key from SUPABASE_SECRET_KEYS as apikey, and as the bearer as supabase-js does', async () => {
    const sent = await keyHeadersSent({
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
    })
    expect(sent).toEqual(
      Array(4).fill({ apikey: SECRET_KEY, authorization: `Bearer ${SECRET_KEY}` }),
    )
  })

  it('sends the legacy SUPABASE_SERVICE_ROLE_KEY the same way when there is no secret key', async () => {
    const sent = await keyHeadersSent({ SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY })
    expect(sent).toEqual(
      Array(4).fill({ apikey: SERVICE_KEY, authorization: `Bearer ${SERVICE_KEY}` }),
    )
  })

  it('prefers the secret key when both are set (Supabase sets both while the legacy keys last)', async () => {
    const both = {
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
    }
    expect(configWith(both).supabase).toEqual({
      url: double.origin,
      apiKey: SECRET_KEY,
      apiKeyFrom: 'SUPABASE_SECRET_KEYS',
    })
    const sent = await keyHeadersSent(both)
    expect(sent.map((headers) => headers.apikey)).toEqual(Array(4).fill(SECRET_KEY))
  })

  it('takes the key named "default", else the first one named', () => {
    const other = 'sb_secret_other0123456789'
    const keyOf = (keys: Record<string, string>) =>
      configWith({ SUPABASE_SECRET_KEYS: JSON.stringify(keys) }).supabase?.apiKey
    expect(keyOf({ rotated: other, default: SECRET_KEY })).toBe(SECRET_KEY)
    expect(keyOf({ backend: SECRET_KEY, rotated: other })).toBe(SECRET_KEY)
  })

  it('does not take a refused key for a missing file', async () => {
    const config = configWith({
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: 'sb_secret_revoked' }),
    })
    const media = createSupabaseMediaStore(requireSupabaseStorage(config))
    expect(await rejectionMessage(media.stat(mediaPath('png')))).toContain('Invalid Compact JWS')
  })

  it('refuses to start with SUPABASE_URL but neither kind of key, naming both', () => {
    expect(() => configWith({})).toThrow(
      /SUPABASE_SECRET_KEYS: .*set SUPABASE_SECRET_KEYS .*or the legacy SUPABASE_SERVICE_ROLE_KEY/,
    )
  })

  it('refuses to start deployed without Storage at all, naming both kinds of key', () => {
    const config = loadChatConfig({
      DATABASE_URL: 'postgres://localhost/chat',
      DAILY_API_KEY: 'test-daily-api-key-0123456789abcdef',
    })
    expect(() => requireSupabaseStorage(config)).toThrow(
      /SUPABASE_URL and SUPABASE_SECRET_KEYS \(or the legacy SUPABASE_SERVICE_ROLE_KEY\)/,
    )
  })

  it('refuses a key without SUPABASE_URL rather than keep files on local disk', () => {
    expect(() =>
      loadChatConfig({
        DATABASE_URL: 'postgres://localhost/chat',
        DAILY_API_KEY: 'test-daily-api-key-0123456789abcdef',
        SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
      }),
    ).toThrow(/SUPABASE_URL: .*set it to the project URL/)
  })

  it.each([
    ['the bare key, not JSON', SECRET_KEY, 'is not valid JSON'],
    ['JSON cut short', `{"default":"${SECRET_KEY}"`, 'is not valid JSON'],
    ['a list', JSON.stringify([SECRET_KEY]), 'is not a JSON object'],
    ['a string', JSON.stringify(SECRET_KEY), 'is not a JSON object'],
    ['an empty object', '{}', 'names no key'],
    [
      'a value that is not a string',
      JSON.stringify({ default: 42, other: SECRET_KEY }),
      'not a key',
    ],
    [
      'a JWT where the secret key goes',
      JSON.stringify({ default: SERVICE_KEY }),
      'start with sb_secret_',
    ],
    [
      'a publishable key',
      JSON.stringify({ default: 'sb_publishable_abcdef0123456789' }),
      'start with sb_secret_',
    ],
    ['a key pasted as the name', JSON.stringify({ [SECRET_KEY]: 'x' }), 'start with sb_secret_'],
  ])(
    'refuses SUPABASE_SECRET_KEYS holding %s, saying what is wrong without the key',
    (_, value, problem) => {
      const error = (() => {
        try {
          configWith({ SUPABASE_SECRET_KEYS: value })
        } catch (error) {
          return error as Error
        }
        throw new Error('The configuration was accepted.')
      })()
      expect(error.message).toContain(`SUPABASE_SECRET_KEYS: SUPABASE_SECRET_KEYS`)
      expect(error.message).toContain(problem)
      expect(error.message).not.toContain(SECRET_KEY)
      expect(error.message).not.toContain(SERVICE_KEY)
      expect(error.message).not.toContain('abcdef0123456789')
    },
  )

  it('refuses a publishable key in SUPABASE_SERVICE_ROLE_KEY', () => {
    expect(() =>
      configWith({ SUPABASE_SERVICE_ROLE_KEY: 'sb_publishable_abcdef0123456789' }),
    ).toThrow(/SUPABASE_SERVICE_ROLE_KEY: .*publishable key/)
  })
})

describe('the chat-media bucket in supabase/config.toml', () => {
  // Signed upload URLs limit neither type nor size: the bucket's settings are what refuse.
  const config = readFileSync(new URL('../../supabase/config.toml', import.meta.url), 'utf8')
  const section = config.split(`[storage.buckets.${MEDIA_BUCKET}]`)[1]?.split(/^\[(?!\s)/m)[0]

  it('is private and allows exactly the shareable types, up to the default size', () => {
    expect(section).toBeDefined()
    expect(section).toMatch(/^public = false$/m)
    expect(/^file_size_limit = "(\d+)MiB"$/m.exec(section ?? '')?.[1]).toBe(
      String(DEFAULT_MEDIA_MAX_BYTES / 1024 / 1024),
    )
    const types = /^allowed_mime_types = \[([^\]]*)\]/m.exec(section ?? '')?.[1] ?? ''
    expect([...types.matchAll(/"([^"]+)"/g)].map((m) => m[1])).toEqual(Object.keys(MEDIA_TYPES))
  })
})

// The disk media store over a temporary folder: its routes called in process with app.request(),
// and through a real HTTP server on 127.0.0.1 where bodies are streamed, cut off and aborted.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { decodeJwt, SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MediaType } from '../functions/_shared/protocol.ts'
import {
  createDiskMediaStore,
  type DiskMediaStoreOptions,
  STORAGE_BASE_PATH,
  UPLOAD_URL_TTL_SECONDS,
} from './disk-media-store.ts'

const SECRET = 'disk-media-test-secret-0123456789abcdef'
const PUBLIC_URL = 'http://localhost:8787'
const UPLOADS = `${PUBLIC_URL}/storage/v1/object/upload/sign/chat-media`
const START = new Date('2026-03-01T12:00:00Z')
/** The query of a signed URL: a JWT, three base64url parts. */
const TOKEN = String.raw`\?token=[\w-]+\.[\w-]+\.[\w-]+`
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6])

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Setup {
  dir: string
  app: Hono
  store: ReturnType<typeof createDiskMediaStore>['store']
  /** Moves the store's clock forward. */
  advance(seconds: number): void
  /** Every file under the temporary folder, relative to it, sorted. */
  files(): Promise<string[]>
}

/** A store over a new temporary folder, its routes mounted where the stack mounts them. */
async function setup(options: Partial<DiskMediaStoreOptions> = {}): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'disk-media-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  let now = START
  const { store, routes } = createDiskMediaStore({
    dir: path.join(dir, 'media'),
    secret: SECRET,
    publicUrl: PUBLIC_URL,
    maxBytes: 1024 * 1024,
    clock: () => now,
    ...options,
  })
  return {
    dir,
    app: new Hono().route(STORAGE_BASE_PATH, routes),
    store,
    advance(seconds) {
      now = new Date(now.getTime() + seconds * 1000)
    },
    async files() {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true })
      return entries
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
        .sort()
    },
  }
}

const mediaPath = (extension: string, room = 'room-1') => `${room}/${randomUUID()}.${extension}`

/** PUTs `body` to `url` with `type` as its Content-Type. */
function put(
  app: Hono,
  url: string,
  body: BodyInit | null,
  type: string,
  headers: Record<string, string> = {},
) {
  return app.request(url, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': type, ...headers },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit)
}

/** Creates an upload and PUTs `bytes` to it; returns the upload URL. */
async function upload(
  { app, store }: Setup,
  objectPath: string,
  type: MediaType,
  bytes: Uint8Array<ArrayBuffer> = PNG,
) {
  const { uploadUrl } = await store.createUpload(objectPath, { type, size: bytes.byteLength })
  const response = await put(app, uploadUrl, bytes, type)
  expect(response.status).toBe(200)
  return uploadUrl
}

/** A signed read URL for one file. */
async function readUrl(store: Setup['store'], objectPath: string, seconds = 600, name = 'f') {
  const [url] = await store.signReadUrls([{ path: objectPath, downloadAs: name }], seconds)
  return url as string
}

/** Asserts the error contract of the chat function: exactly {error: {code, message}}. */
async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const json = await response.json()
  expect(json).toEqual({ error: { code, message: expect.stringMatching(/\S/) } })
  return json.error.message as string
}

/** `url` with one character of its token changed. */
function tamper(url: string, at: 'header' | 'payload' | 'signature') {
  const parsed = new URL(url)
  const token = parsed.searchParams.get('token') as string
  const parts = token.split('.')
  const index = { header: 0, payload: 1, signature: 2 }[at]
  const part = parts[index] as string
  // The middle of a part: flipping its last character may change only padding bits.
  const middle = Math.floor(part.length / 2)
  const flipped = part[middle] === 'A' ? 'B' : 'A'
  parts[index] = part.slice(0, middle) + flipped + part.slice(middle + 1)
  parsed.searchParams.set('token', parts.join('.'))
  return parsed.toString()
}

describe('the disk media store, in process', () => {
  it('uploads a PNG and serves it inline, with the URL shapes of Supabase Storage', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const { uploadUrl, expiresAt } = await s.store.createUpload(objectPath, {
      type: 'image/png',
      size: PNG.byteLength,
    })
    expect(uploadUrl).toMatch(
      new RegExp(`^${PUBLIC_URL}/storage/v1/object/upload/sign/chat-media/${objectPath}${TOKEN}$`),
    )
    expect(expiresAt).toEqual(new Date(START.getTime() + UPLOAD_URL_TTL_SECONDS * 1000))
    const token = new URL(uploadUrl).searchParams.get('token') as string
    expect(decodeJwt(token)).toMatchObject({
      url: `chat-media/${objectPath}`,
      type: 'image/png',
      size: PNG.byteLength,
      exp: expiresAt.getTime() / 1000,
    })
    expect(await s.store.stat(objectPath)).toBeUndefined()

    const response = await put(s.app, uploadUrl, PNG, 'image/png')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ Key: `chat-media/${objectPath}` })
    expect(await s.store.stat(objectPath)).toEqual({ size: PNG.byteLength, type: 'image/png' })

    const url = await readUrl(s.store, objectPath, 600, 'cat.png')
    // No download parameter: images display inline.
    expect(url).toMatch(
      new RegExp(`^${PUBLIC_URL}/storage/v1/object/sign/chat-media/${objectPath}${TOKEN}$`),
    )
    expect(decodeJwt(new URL(url).searchParams.get('token') as string)).toMatchObject({
      url: `chat-media/${objectPath}`,
      exp: START.getTime() / 1000 + 600,
    })
    const read = await s.app.request(url)
    expect(read.status).toBe(200)
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(PNG)
    expect(Object.fromEntries(read.headers)).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(PNG.byteLength),
      'content-disposition': 'inline',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=600',
    })
    // Files land under <dir>/<bucket>/<path>, with the type beside them.
    expect(await s.files()).toEqual(
      [`media/chat-media/${objectPath}`, `media/chat-media/${objectPath}.json`].sort(),
    )
  })

  it('serves PDFs and text as downloads under the name signed into the URL', async () => {
    const s = await setup()
    const pdfPath = mediaPath('pdf')
    const textPath = mediaPath('txt')
    const pdf = new TextEncoder().encode('%PDF-1.7 not really')
    const text = new TextEncoder().encode('<script>alert(1)</script>')
    await upload(s, pdfPath, 'application/pdf', pdf)
    await upload(s, textPath, 'text/plain', text)

    const [pdfUrl, textUrl] = await s.store.signReadUrls(
      [
        { path: pdfPath, downloadAs: 'Résumé (final) 100%.pdf' },
        { path: textPath, downloadAs: 'notes "1";\r\n.txt' },
      ],
      60,
    )
    // The name travels in the token, where the signature covers it; the URL carries no other.
    expect(pdfUrl).toMatch(new RegExp(`/${pdfPath}${TOKEN}$`))
    expect(decodeJwt(new URL(pdfUrl as string).searchParams.get('token') as string)).toMatchObject({
      download: 'Résumé (final) 100%.pdf',
    })
    expect(decodeJwt(new URL(textUrl as string).searchParams.get('token') as string)).toMatchObject(
      { download: 'notes "1";\r\n.txt' },
    )

    const pdfResponse = await s.app.request(pdfUrl as string)
    expect(pdfResponse.status).toBe(200)
    expect(pdfResponse.headers.get('content-type')).toBe('application/pdf')
    expect(pdfResponse.headers.get('x-content-type-options')).toBe('nosniff')
    expect(pdfResponse.headers.get('content-disposition')).toBe(
      "attachment; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29%20100%25.pdf",
    )
    expect(new Uint8Array(await pdfResponse.arrayBuffer())).toEqual(pdf)

    const textResponse = await s.app.request(textUrl as string)
    expect(textResponse.headers.get('content-type')).toBe('text/plain')
    // Quotes and line breaks stay encoded: they cannot end the header or the name.
    expect(textResponse.headers.get('content-disposition')).toBe(
      "attachment; filename*=UTF-8''notes%20%221%22%3B%0D%0A.txt",
    )
    expect(await textResponse.text()).toBe('<script>alert(1)</script>')

    // A non-image is a download even when signed without a name: named after the object.
    const unnamed = await s.app.request(await readUrl(s.store, pdfPath, 60, ''))
    expect(unnamed.headers.get('content-disposition')).toBe(
      `attachment; filename*=UTF-8''${path.basename(pdfPath)}`,
    )
  })

  it('ignores a download name added to the URL: nobody can rename a file', async () => {
    const s = await setup()
    const textPath = mediaPath('txt')
    const imagePath = mediaPath('png')
    await upload(s, textPath, 'text/plain', new TextEncoder().encode('<b>hi</b>'))
    await upload(s, imagePath, 'image/png')
    const renamed = (url: string) => {
      const tampered = new URL(url)
      tampered.searchParams.set('download', 'evil.html')
      return tampered.toString()
    }

    const text = await s.app.request(renamed(await readUrl(s.store, textPath, 60, 'notes.txt')))
    expect(text.status).toBe(200)
    expect(text.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''notes.txt")
    const image = await s.app.request(renamed(await readUrl(s.store, imagePath, 60, 'cat.png')))
    expect(image.status).toBe(200)
    expect(image.headers.get('content-disposition')).toBe('inline')
  })

  it('signs many read URLs in the order asked, video inline like images', async () => {
    const s = await setup()
    const files = [mediaPath('mp4'), mediaPath('txt'), mediaPath('webp')].map((p, i) => ({
      path: p,
      downloadAs: `file ${i}`,
    }))
    const urls = await s.store.signReadUrls(files, 30)
    expect(urls.map((url) => new URL(url as string).pathname)).toEqual(
      files.map((file) => `/storage/v1/object/sign/chat-media/${file.path}`),
    )
    const claims = urls.map((url) =>
      decodeJwt(new URL(url as string).searchParams.get('token') as string),
    )
    expect(claims.map((claim) => claim.download)).toEqual([undefined, 'file 1', undefined])
    expect(await s.store.signReadUrls([], 30)).toEqual([])
    await expect(s.store.signReadUrls(files, 0)).rejects.toThrow(RangeError)
  })

  it('makes root-relative URLs when publicUrl is empty, which work from any origin', async () => {
    const s = await setup({ publicUrl: '' })
    const objectPath = mediaPath('png')
    const { uploadUrl } = await s.store.createUpload(objectPath, { type: 'image/png', size: 3 })
    expect(uploadUrl).toMatch(
      new RegExp(`^/storage/v1/object/upload/sign/chat-media/${objectPath}${TOKEN}$`),
    )
    expect((await put(s.app, uploadUrl, new Uint8Array(3), 'image/png')).status).toBe(200)
    const url = await readUrl(s.store, objectPath)
    expect(url).toMatch(new RegExp(`^/storage/v1/object/sign/chat-media/${objectPath}${TOKEN}$`))
    expect((await s.app.request(url)).status).toBe(200)
  })

  it('refuses an upload URL once it has expired (2 hours), and keeps nothing', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const { uploadUrl } = await s.store.createUpload(objectPath, {
      type: 'image/png',
      size: PNG.byteLength,
    })
    s.advance(UPLOAD_URL_TTL_SECONDS - 1)
    const fresh = mediaPath('png')
    const other = await s.store.createUpload(fresh, { type: 'image/png', size: PNG.byteLength })
    s.advance(1)
    await expectError(await put(s.app, uploadUrl, PNG, 'image/png'), 400, 'expired_token')
    expect(await s.store.stat(objectPath)).toBeUndefined()
    // One signed later is still good.
    expect((await put(s.app, other.uploadUrl, PNG, 'image/png')).status).toBe(200)
    expect(await s.files()).not.toContain(`media/chat-media/${objectPath}`)
  })

  it('refuses a read URL once it has expired, and says how long a good one lasts', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    await upload(s, objectPath, 'image/png')
    const url = await readUrl(s.store, objectPath, 60)
    s.advance(45)
    const response = await s.app.request(url)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('private, max-age=15')
    s.advance(15)
    await expectError(await s.app.request(url), 400, 'expired_token')
  })

  it('refuses tampered tokens, and tokens for another file or the other operation', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const otherPath = mediaPath('png')
    const { uploadUrl } = await s.store.createUpload(objectPath, {
      type: 'image/png',
      size: PNG.byteLength,
    })
    for (const part of ['header', 'payload', 'signature'] as const) {
      await expectError(
        await put(s.app, tamper(uploadUrl, part), PNG, 'image/png'),
        400,
        'invalid_token',
      )
    }
    const missing = new URL(uploadUrl)
    missing.searchParams.delete('token')
    await expectError(await put(s.app, missing.toString(), PNG, 'image/png'), 400, 'missing_token')
    // A good token, but for another path.
    const other = await s.store.createUpload(otherPath, { type: 'image/png', size: PNG.byteLength })
    const swapped = uploadUrl.replace(/token=.*$/, new URL(other.uploadUrl).search.slice(1))
    await expectError(await put(s.app, swapped, PNG, 'image/png'), 400, 'wrong_path')
    // Signed with another key.
    const forged = await new SignJWT({
      url: `chat-media/${objectPath}`,
      type: 'image/png',
      size: 9,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('storage-upload')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-0123456789abcdefghij'))
    const forgedUrl = uploadUrl.replace(/token=.*$/, `token=${forged}`)
    await expectError(await put(s.app, forgedUrl, PNG, 'image/png'), 400, 'invalid_token')
    expect(await s.files()).toEqual([])

    await put(s.app, uploadUrl, PNG, 'image/png')
    const url = await readUrl(s.store, objectPath)
    for (const part of ['header', 'payload', 'signature'] as const) {
      await expectError(await s.app.request(tamper(url, part)), 400, 'invalid_token')
    }
    await expectError(await s.app.request(url.replace(objectPath, otherPath)), 400, 'wrong_path')
    // A read token does not upload, an upload token does not read.
    const readToken = new URL(url).searchParams.get('token')
    const writeWithRead = other.uploadUrl.replace(/token=.*$/, `token=${readToken}`)
    await expectError(await put(s.app, writeWithRead, PNG, 'image/png'), 400, 'invalid_token')
    const uploadToken = new URL(uploadUrl).searchParams.get('token')
    await expectError(
      await s.app.request(url.replace(/token=.*$/, `token=${uploadToken}`)),
      400,
      'invalid_token',
    )
  })

  it('refuses a body whose Content-Type is not the declared type (415)', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const { uploadUrl } = await s.store.createUpload(objectPath, {
      type: 'image/png',
      size: PNG.byteLength,
    })
    for (const type of ['image/jpeg', 'image/svg+xml', 'text/html', 'multipart/form-data']) {
      await expectError(await put(s.app, uploadUrl, PNG, type), 415, 'wrong_content_type')
    }
    const none = await s.app.request(uploadUrl, { method: 'PUT', body: PNG })
    await expectError(none, 415, 'wrong_content_type')
    expect(await s.files()).toEqual([])
    // Parameters and case do not matter: a string body goes out as text/plain;charset=UTF-8.
    const textPath = mediaPath('txt')
    const text = await s.store.createUpload(textPath, { type: 'text/plain', size: 5 })
    const response = await put(s.app, text.uploadUrl, 'hello', 'Text/Plain; charset=UTF-8')
    expect(response.status).toBe(200)
    expect(await s.store.stat(textPath)).toEqual({ size: 5, type: 'text/plain' })
  })

  it('refuses a body over its declared size (413) and leaves no file, even temporary', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const { uploadUrl } = await s.store.createUpload(objectPath, { type: 'image/png', size: 1000 })
    let pulled = 0
    let cancelled = false
    // Endless: only a server that counts as it reads and stops at the limit can answer.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 300
        controller.enqueue(new Uint8Array(300))
      },
      cancel() {
        cancelled = true
      },
    })
    await expectError(await put(s.app, uploadUrl, endless, 'image/png'), 413, 'file_too_large')
    expect(cancelled).toBe(true)
    expect(pulled).toBeLessThan(2000)
    expect(await s.files()).toEqual([])
    expect(await s.store.stat(objectPath)).toBeUndefined()

    // Exactly the declared size is fine; so is less (stat() tells the function what arrived).
    expect((await put(s.app, uploadUrl, new Uint8Array(1000), 'image/png')).status).toBe(200)
    const smaller = mediaPath('png')
    const second = await s.store.createUpload(smaller, { type: 'image/png', size: 1000 })
    expect((await put(s.app, second.uploadUrl, new Uint8Array(10), 'image/png')).status).toBe(200)
    expect(await s.store.stat(smaller)).toEqual({ size: 10, type: 'image/png' })
  })

  it('refuses a body announced too large by its Content-Length before reading it', async () => {
    const s = await setup()
    const { uploadUrl } = await s.store.createUpload(mediaPath('png'), {
      type: 'image/png',
      size: 100,
    })
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(101))
        controller.close()
      },
    })
    const response = await put(s.app, uploadUrl, body, 'image/png', { 'Content-Length': '101' })
    await expectError(response, 413, 'file_too_large')
    expect(pulled).toBeLessThanOrEqual(1)
    expect(await s.files()).toEqual([])
  })

  it('caps uploads at maxBytes whatever is declared', async () => {
    const s = await setup({ maxBytes: 100 })
    await expect(
      s.store.createUpload(mediaPath('png'), { type: 'image/png', size: 101 }),
    ).rejects.toMatchObject({ status: 413, code: 'file_too_large' })
    // A token declaring more than the store now takes (say, signed before maxBytes was lowered).
    const objectPath = mediaPath('png')
    const token = await new SignJWT({
      url: `chat-media/${objectPath}`,
      type: 'image/png',
      size: 500,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('storage-upload')
      .setExpirationTime(START.getTime() / 1000 + 60)
      .sign(new TextEncoder().encode(SECRET))
    const url = `${UPLOADS}/${objectPath}?token=${token}`
    await expectError(
      await put(s.app, url, new Uint8Array(101), 'image/png'),
      413,
      'file_too_large',
    )
    expect(await s.files()).toEqual([])
  })

  it('keeps the first upload to a path and refuses the next (409)', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const uploadUrl = await upload(s, objectPath, 'image/png')
    const again = await put(s.app, uploadUrl, new Uint8Array(PNG.byteLength), 'image/png')
    const message = await expectError(again, 409, 'already_exists')
    expect(message).toBe('The resource already exists.')
    const read = await s.app.request(await readUrl(s.store, objectPath))
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(PNG)
  })

  it('lets exactly one of two simultaneous uploads to a path win', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const { uploadUrl } = await s.store.createUpload(objectPath, { type: 'image/png', size: 4 })
    const bodies = [new Uint8Array([1, 1, 1, 1]), new Uint8Array([2, 2, 2, 2])]
    const responses = await Promise.all(bodies.map((b) => put(s.app, uploadUrl, b, 'image/png')))
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409])
    const winner = bodies[responses.findIndex((r) => r.status === 200)]
    const read = await s.app.request(await readUrl(s.store, objectPath))
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(winner)
    expect(await s.files()).toEqual(
      [`media/chat-media/${objectPath}`, `media/chat-media/${objectPath}.json`].sort(),
    )
  })

  it('writes the body as it arrives and leaves nothing when the client goes away', async () => {
    const s = await setup()
    const objectPath = mediaPath('png')
    const { uploadUrl } = await s.store.createUpload(objectPath, { type: 'image/png', size: 1000 })
    let seenMidway: string[] = []
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        pulls++
        if (pulls === 1) return controller.enqueue(new Uint8Array(100))
        // The first chunk was written before the next is asked for.
        seenMidway = await s.files()
        controller.error(new Error('connection reset'))
      },
    })
    await expectError(await put(s.app, uploadUrl, body, 'image/png'), 400, 'upload_interrupted')
    expect(seenMidway).toEqual([
      expect.stringMatching(
        new RegExp(`^media/chat-media/room-1/\\.${path.basename(objectPath)}\\.[\\w-]+\\.part$`),
      ),
    ])
    expect(await s.files()).toEqual([])
    expect(await s.store.stat(objectPath)).toBeUndefined()
  })

  it('answers 404 for a file never uploaded or removed, and remove() is idempotent', async () => {
    const s = await setup()
    const never = mediaPath('png')
    await expectError(await s.app.request(await readUrl(s.store, never)), 404, 'not_found')
    const kept = mediaPath('txt')
    const gone = mediaPath('pdf')
    await upload(s, kept, 'text/plain')
    await upload(s, gone, 'application/pdf')
    const goneUrl = await readUrl(s.store, gone)

    await s.store.remove([gone, never])
    expect(await s.store.stat(gone)).toBeUndefined()
    await expectError(await s.app.request(goneUrl), 404, 'not_found')
    expect(await s.files()).toEqual(
      [`media/chat-media/${kept}`, `media/chat-media/${kept}.json`].sort(),
    )
    await s.store.remove([gone])
    await s.store.remove([])
    expect(await s.store.stat(kept)).toEqual({ size: PNG.byteLength, type: 'text/plain' })
  })

  it('answers HEAD with the headers of GET and no body', async () => {
    const s = await setup()
    const objectPath = mediaPath('pdf')
    await upload(s, objectPath, 'application/pdf')
    const url = await readUrl(s.store, objectPath, 600, 'doc.pdf')
    const head = await s.app.request(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(Object.fromEntries(head.headers)).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': String(PNG.byteLength),
      'content-disposition': "attachment; filename*=UTF-8''doc.pdf",
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=600',
    })
    expect(await head.text()).toBe('')
    expect((await s.app.request(tamper(url, 'signature'), { method: 'HEAD' })).status).toBe(400)
    const missing = await readUrl(s.store, mediaPath('pdf'))
    expect((await s.app.request(missing, { method: 'HEAD' })).status).toBe(404)
  })

  it('serves byte ranges, which video players ask for', async () => {
    const s = await setup()
    const objectPath = mediaPath('mp4')
    const bytes = new Uint8Array(Array.from({ length: 20 }, (_, i) => i))
    await upload(s, objectPath, 'video/mp4', bytes)
    const url = await readUrl(s.store, objectPath)
    const range = async (header: string) => s.app.request(url, { headers: { Range: header } })

    const middle = await range('bytes=2-5')
    expect(middle.status).toBe(206)
    expect(middle.headers.get('content-range')).toBe('bytes 2-5/20')
    expect(middle.headers.get('content-length')).toBe('4')
    expect([...new Uint8Array(await middle.arrayBuffer())]).toEqual([2, 3, 4, 5])
    const tail = await range('bytes=-3')
    expect([...new Uint8Array(await tail.arrayBuffer())]).toEqual([17, 18, 19])
    const open = await range('bytes=18-')
    expect(open.headers.get('content-range')).toBe('bytes 18-19/20')
    const beyond = await range('bytes=20-')
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe('bytes */20')
    // Several ranges are answered with the whole file.
    const several = await range('bytes=0-1,4-5')
    expect(several.status).toBe(200)
    expect(several.headers.get('accept-ranges')).toBe('bytes')
    expect((await several.arrayBuffer()).byteLength).toBe(20)
  })

  it('never reads or writes outside its folder, however the path is spelled', async () => {
    const s = await setup()
    const bucket = path.join(s.dir, 'media', 'chat-media')
    await mkdir(path.join(bucket, 'room-1'), { recursive: true })
    await writeFile(path.join(s.dir, 'secret.txt'), 'top secret')
    const objectPath = mediaPath('png')
    await upload(s, objectPath, 'image/png')
    const before = await s.files()

    // Tokens signed with the right key for the path as spelled: only the path check stands.
    const tokenFor = (url: string, audience: string) =>
      new SignJWT({ url, type: 'text/plain', size: 100 })
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience(audience)
        .setExpirationTime(START.getTime() / 1000 + 60)
        .sign(new TextEncoder().encode(SECRET))
    const uuid = path.basename(objectPath)
    const attempts = [
      '../../secret.txt',
      '%2e%2e/%2e%2e/secret.txt',
      '%2e%2e%2f%2e%2e%2fsecret.txt',
      '..%2f..%2fsecret.txt',
      '..%5c..%5csecret.txt',
      `room-1%2F${uuid}`,
      `room-1%2f${uuid}`,
      `%72oom-1/${uuid}`,
      `room-1/${uuid}%00.png`,
      `room-1/${uuid}/../../../../secret.txt`,
      '/etc/passwd',
      '%2Fetc%2Fpasswd',
      `${path.join(s.dir, 'secret.txt')}`,
      `room-1/.${uuid}.json`,
      `room-1/${uuid}.json`,
    ]
    for (const attempt of attempts) {
      const readToken = await tokenFor(`chat-media/${attempt}`, 'storage-read')
      const read = await s.app.request(
        `${PUBLIC_URL}/storage/v1/object/sign/chat-media/${attempt}?token=${readToken}`,
      )
      expect([400, 404], attempt).toContain(read.status)
      expect(await read.text(), attempt).not.toMatch(/top secret|image\/png|PNG/)
      const uploadToken = await tokenFor(`chat-media/${attempt}`, 'storage-upload')
      const write = await put(
        s.app,
        `${PUBLIC_URL}/storage/v1/object/upload/sign/chat-media/${attempt}?token=${uploadToken}`,
        'overwritten',
        'text/plain',
      )
      expect([400, 404], attempt).toContain(write.status)
    }
    expect(await readFile(path.join(s.dir, 'secret.txt'), 'utf8')).toBe('top secret')
    expect(await s.files()).toEqual(before)

    // The store itself refuses such paths outright.
    for (const bad of ['../secret.txt', '/etc/passwd', `room-1/../${uuid}`, 'room-1/x.png']) {
      await expect(s.store.stat(bad)).rejects.toThrow(TypeError)
      await expect(s.store.remove([bad])).rejects.toThrow(TypeError)
      await expect(s.store.signReadUrls([{ path: bad, downloadAs: 'x' }], 60)).rejects.toThrow()
      await expect(s.store.createUpload(bad, { type: 'text/plain', size: 1 })).rejects.toThrow()
    }
    expect(await s.files()).toEqual(before)
  })

  it('refuses to start without a secret or a sensible maxBytes', () => {
    const base = { dir: tmpdir(), secret: SECRET, publicUrl: PUBLIC_URL, maxBytes: 10 }
    expect(() => createDiskMediaStore({ ...base, secret: '' })).toThrow(/secret/)
    expect(() => createDiskMediaStore({ ...base, maxBytes: 0 })).toThrow(RangeError)
  })
})

describe('the disk media store, over HTTP on 127.0.0.1', () => {
  interface Running extends Setup {
    origin: string
    /** Resolves when the server has finished every request it received so far. */
    settled(): Promise<unknown>
  }

  /** The routes behind a real HTTP server, the way the local stack serves them. */
  async function serve(): Promise<Running> {
    let app: Hono | undefined
    const listener = getRequestListener((request) => (app as Hono).fetch(request))
    const handling: Promise<unknown>[] = []
    const server: Server = createServer((request, response) => {
      handling.push(listener(request, response))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    )
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const s = await setup({ publicUrl: origin })
    app = s.app
    return { ...s, origin, settled: () => Promise.allSettled(handling) }
  }

  /**
   * A body of `chunks` chunks of `size` bytes, produced only as fast as it is read; it ends early
   * once `stop` says so.
   */
  function chunked(chunks: number, size: number, stop?: (sent: number) => boolean) {
    let sent = 0
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= chunks || stop?.(sent)) return controller.close()
        controller.enqueue(new Uint8Array(size).fill(sent % 256))
        sent++
      },
    })
  }

  const streamPut = (url: string, body: ReadableStream<Uint8Array>, signal?: AbortSignal) =>
    fetch(url, {
      method: 'PUT',
      body,
      duplex: 'half',
      headers: { 'Content-Type': 'video/mp4' },
      signal,
    } as RequestInit)

  it('takes a streamed upload and serves it back', async () => {
    const s = await serve()
    const objectPath = mediaPath('mp4')
    const size = 64 * 1024 * 8
    const { uploadUrl } = await s.store.createUpload(objectPath, { type: 'video/mp4', size })
    expect(uploadUrl.startsWith(`${s.origin}/storage/v1/`)).toBe(true)
    const response = await streamPut(uploadUrl, chunked(8, 64 * 1024))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ Key: `chat-media/${objectPath}` })

    const read = await fetch(await readUrl(s.store, objectPath))
    expect(read.status).toBe(200)
    expect(read.headers.get('content-length')).toBe(String(size))
    const bytes = new Uint8Array(await read.arrayBuffer())
    expect(bytes.byteLength).toBe(size)
    expect(bytes[64 * 1024 * 7]).toBe(7)
  })

  it('answers 413 to a streamed body that has not ended, and keeps nothing of it', async () => {
    const s = await serve()
    const objectPath = mediaPath('mp4')
    const { uploadUrl } = await s.store.createUpload(objectPath, {
      type: 'video/mp4',
      size: 100_000,
    })
    let answered = false
    let sentBeforeAnswer = 0
    // Sends until the answer comes: only a server that counts as it reads and stops at the limit
    // answers before the body's end.
    const body = chunked(Number.POSITIVE_INFINITY, 16 * 1024, (sent) => {
      if (!answered) sentBeforeAnswer = sent
      return answered
    })
    const response = await streamPut(uploadUrl, body)
    answered = true
    await expectError(response, 413, 'file_too_large')
    expect(sentBeforeAnswer * 16 * 1024).toBeGreaterThan(100_000)
    await s.settled()
    expect(await s.files()).toEqual([])
    expect(await s.store.stat(objectPath)).toBeUndefined()
  })

  it('removes the partial file when the client aborts mid-upload', async () => {
    const s = await serve()
    const objectPath = mediaPath('mp4')
    const { uploadUrl } = await s.store.createUpload(objectPath, {
      type: 'video/mp4',
      size: 1_000_000,
    })
    const client = new AbortController()
    let release: () => void = () => {}
    const stalled = new Promise<void>((resolve) => {
      release = resolve
    })
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        pulls++
        if (pulls === 1) return controller.enqueue(new Uint8Array(50_000))
        // Hold the upload open until the test has seen its first part on disk.
        await stalled
      },
    })
    const pending = streamPut(uploadUrl, body, client.signal).catch((error: Error) => error)
    // The server writes as bytes arrive: the partial file shows before the body ends.
    await vi.waitFor(
      async () => {
        const files = await s.files()
        expect(files).toHaveLength(1)
        expect(files[0]).toMatch(/\.part$/)
      },
      { timeout: 5000, interval: 10 },
    )
    client.abort()
    release()
    expect(await pending).toBeInstanceOf(Error)
    await s.settled()
    expect(await s.files()).toEqual([])
    expect(await s.store.stat(objectPath)).toBeUndefined()
  })

  it('refuses traversal in raw request paths that no fetch would send', async () => {
    const s = await serve()
    await writeFile(path.join(s.dir, 'secret.txt'), 'top secret')
    await mkdir(path.join(s.dir, 'media', 'chat-media', 'room-1'), { recursive: true })
    await writeFile(path.join(s.dir, 'media', 'outside.png'), 'not yours')
    const { port } = new URL(s.origin)
    const raw = (method: string, target: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method,
            path: target,
            headers: { 'Content-Type': 'text/plain' },
          },
          (response) => {
            let body = ''
            response.setEncoding('utf8')
            response.on('data', (chunk) => {
              body += chunk
            })
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
          },
        )
        request.on('error', reject)
        request.end(method === 'PUT' ? 'overwritten' : undefined)
      })
    const targets = [
      '/storage/v1/object/sign/chat-media/../../secret.txt?token=x',
      '/storage/v1/object/sign/chat-media/..%2f..%2fsecret.txt?token=x',
      '/storage/v1/object/sign/chat-media/%2e%2e/outside.png?token=x',
      '/storage/v1/object/sign/chat-media/room-1%2f..%2f..%2foutside.png?token=x',
      '/storage/v1/object/sign/chat-media//etc/passwd?token=x',
      '/storage/v1/object/upload/sign/chat-media/../outside.png?token=x',
      '/storage/v1/object/upload/sign/chat-media/%2e%2e%2foutside.png?token=x',
    ]
    for (const target of targets) {
      for (const method of ['GET', 'PUT']) {
        const { status, body } = await raw(method, target)
        expect(status, `${method} ${target}`).toBeGreaterThanOrEqual(400)
        expect(body).not.toMatch(/top secret|not yours/)
      }
    }
    expect(await readFile(path.join(s.dir, 'secret.txt'), 'utf8')).toBe('top secret')
    expect(await readFile(path.join(s.dir, 'media', 'outside.png'), 'utf8')).toBe('not yours')
  })
})

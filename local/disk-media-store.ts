/**
 * The local stack's stand-in for Supabase Storage: files on disk behind the same REST paths and
 * signed-URL shapes as Supabase's (`/storage/v1/object/upload/sign/...` to PUT,
 * `/storage/v1/object/sign/...` to read), so the SPA cannot tell the two apart.
 */
import { randomUUID } from 'node:crypto'
import { link, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { type Context, Hono } from 'hono'
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose'
import {
  isInlineMedia,
  MEDIA_BUCKET,
  MEDIA_PATH_PATTERN,
  MEDIA_TYPES,
  type MediaType,
} from '../functions/_shared/protocol.ts'
import { ApiError, renderError } from '../functions/chat/errors.ts'
import type { MediaStore, StoredObject } from '../functions/chat/media-store.ts'

/** Where the stack mounts `routes`: Supabase Storage's REST prefix. */
export const STORAGE_BASE_PATH = '/storage/v1'
/** Supabase's signed upload URLs are valid for 2 hours, a fixed time; so are these. */
export const UPLOAD_URL_TTL_SECONDS = 2 * 60 * 60

const UPLOAD_ROUTE = `/object/upload/sign/${MEDIA_BUCKET}`
const READ_ROUTE = `/object/sign/${MEDIA_BUCKET}`
// Supabase's tokens carry `url` (bucket/path) and `exp`; the audience is ours, so that a URL to
// read a file can never be used to write one, nor the other way round.
const UPLOAD_AUDIENCE = 'storage-upload'
const READ_AUDIENCE = 'storage-read'

export interface DiskMediaStoreOptions {
  /** Files live under `<dir>/<bucket>/<path>`. */
  dir: string
  /** HMAC key of the URL tokens. */
  secret: string
  /**
   * Every URL's prefix: the origin the browser reaches the stack on (http://localhost:8787), or ''
   * for root-relative URLs that work from whatever origin the page was loaded (a dev proxy...).
   */
  publicUrl: string
  /** The largest file accepted, whatever an upload URL declares. */
  maxBytes: number
  clock?: () => Date
}

interface UploadClaims {
  url: string
  type: MediaType
  size: number
  exp: number
}

// Files are named `<room>/<uuid>.<ext>`; the extension says what type was allowed in.
const typeByExtension = new Map<string, string>(
  Object.entries(MEDIA_TYPES).map(([type, extension]) => [extension, type]),
)
const inlineByPath = (objectPath: string) =>
  isInlineMedia(typeByExtension.get(objectPath.slice(objectPath.lastIndexOf('.') + 1)) ?? '')

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000)

const isErrorCode = (error: unknown, code: string) =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === code

/** Throws unless `objectPath` is a file path of this chat (`<room>/<uuid>.<ext>`). */
function assertObjectPath(objectPath: string): void {
  if (!MEDIA_PATH_PATTERN.test(objectPath)) {
    throw new TypeError(`Not a media path (<room>/<uuid>.<ext>): ${JSON.stringify(objectPath)}`)
  }
}

/** Content-Disposition of a download named `fileName`: RFC 6266 `filename*`, UTF-8 encoded. */
function attachment(fileName: string): string {
  let encoded: string
  try {
    // encodeURIComponent leaves ' ( ) * alone; RFC 8187 wants them encoded too.
    encoded = encodeURIComponent(fileName).replace(
      /['()*]/g,
      (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
    )
  } catch {
    // A lone surrogate cannot be encoded: fall back to a name that can.
    encoded = 'download'
  }
  return `attachment; filename*=UTF-8''${encoded}`
}

/**
 * The MediaStore on local disk, and the Hono app (mount it at `/storage/v1`) that takes the PUTs
 * and serves the reads its signed URLs point to.
 */
export function createDiskMediaStore(options: DiskMediaStoreOptions): {
  store: MediaStore
  routes: Hono
} {
  if (!options.secret) throw new Error('The disk media store needs a secret to sign URLs.')
  if (!(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0)) {
    throw new RangeError(`maxBytes must be a positive whole number, not ${options.maxBytes}.`)
  }
  const key = new TextEncoder().encode(options.secret)
  const clock = options.clock ?? (() => new Date())
  const root = path.resolve(options.dir, MEDIA_BUCKET)
  const storageUrl = `${options.publicUrl.replace(/\/+$/, '')}${STORAGE_BASE_PATH}`

  /** The file behind a validated path; the check on the resolved path is a second line. */
  const fileOf = (objectPath: string) => {
    assertObjectPath(objectPath)
    const file = path.resolve(root, objectPath)
    if (!file.startsWith(root + path.sep)) throw new TypeError(`Path escapes: ${objectPath}`)
    return file
  }
  // `<uuid>.<ext>.json` can never be a media path itself (one dot after the uuid), nor can the
  // dot-files uploads are written to before they are complete.
  const sidecarOf = (file: string) => `${file}.json`

  const readType = async (file: string): Promise<string> => {
    const { type } = JSON.parse(await readFile(sidecarOf(file), 'utf8')) as { type: string }
    return type
  }

  const sign = (claims: Record<string, unknown>, audience: string, exp: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setAudience(audience)
      .setIssuedAt(epochSeconds(clock()))
      .setExpirationTime(exp)
      .sign(key)

  /** The token's claims, once it is proven ours, unexpired, for `audience` and for this file. */
  const verify = async (
    token: string | undefined,
    audience: string,
    objectPath: string,
    what: string,
  ): Promise<JWTPayload> => {
    if (!token) throw new ApiError(400, 'missing_token', `This ${what} URL has no token.`)
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience,
        requiredClaims: ['exp', 'url'],
        currentDate: clock(),
      }))
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new ApiError(400, 'expired_token', `This ${what} URL has expired: ask for a new one.`)
      }
      if (error instanceof errors.JOSEError) {
        throw new ApiError(
          400,
          'invalid_token',
          `This ${what} URL's token is not valid (damaged, or not for this).`,
        )
      }
      throw error
    }
    if (payload.url !== `${MEDIA_BUCKET}/${objectPath}`) {
      throw new ApiError(400, 'wrong_path', `This ${what} URL was signed for another file.`)
    }
    return payload
  }

  const store: MediaStore = {
    async createUpload(objectPath, file) {
      assertObjectPath(objectPath)
      if (!(file.type in MEDIA_TYPES)) throw new TypeError(`Not a media type: ${file.type}`)
      if (!(Number.isSafeInteger(file.size) && file.size > 0)) {
        throw new RangeError(`A file's size is a positive whole number, not ${file.size}.`)
      }
      if (file.size > options.maxBytes) {
        throw new ApiError(
          413,
          'file_too_large',
          `Files are at most ${options.maxBytes.toLocaleString('en')} bytes.`,
        )
      }
      const exp = epochSeconds(clock()) + UPLOAD_URL_TTL_SECONDS
      const claims = { url: `${MEDIA_BUCKET}/${objectPath}`, type: file.type, size: file.size }
      const token = await sign(claims, UPLOAD_AUDIENCE, exp)
      return {
        uploadUrl: `${storageUrl}${UPLOAD_ROUTE}/${objectPath}?token=${token}`,
        expiresAt: new Date(exp * 1000),
      }
    },

    async stat(objectPath): Promise<StoredObject | undefined> {
      const file = fileOf(objectPath)
      try {
        // Without its sidecar a file is not complete yet (or was half removed): not there.
        const [info, type] = await Promise.all([stat(file), readType(file)])
        return { size: info.size, type }
      } catch (error) {
        if (isErrorCode(error, 'ENOENT')) return undefined
        throw error
      }
    },

    async signReadUrls(files, expiresInSeconds) {
      if (!(Number.isSafeInteger(expiresInSeconds) && expiresInSeconds > 0)) {
        throw new RangeError(`URLs expire after a positive number of seconds: ${expiresInSeconds}`)
      }
      const exp = epochSeconds(clock()) + expiresInSeconds
      return Promise.all(
        files.map(async ({ path: objectPath, downloadAs }) => {
          assertObjectPath(objectPath)
          // Images and video display inline, the rest downloads under the name signed into the
          // token: unlike Supabase's `download=`, nobody holding the URL can rename the file.
          const claims = {
            url: `${MEDIA_BUCKET}/${objectPath}`,
            ...(inlineByPath(objectPath) ? {} : { download: downloadAs }),
          }
          const token = await sign(claims, READ_AUDIENCE, exp)
          return `${storageUrl}${READ_ROUTE}/${objectPath}?token=${token}`
        }),
      )
    },

    async remove(paths) {
      const files = paths.map(fileOf)
      await Promise.all(
        files.flatMap((file) => [rm(file, { force: true }), rm(sidecarOf(file), { force: true })]),
      )
    },
  }

  /**
   * The object path of a request to `route`, taken from the raw URL and never decoded: a media
   * path is letters, digits, `-`, `_`, one `/` and one `.`, none of which needs encoding, so
   * anything encoded (`%2F`, `%2e%2e`...) is refused rather than interpreted.
   */
  const requestedPath = (c: Context, route: string) => {
    const { pathname } = new URL(c.req.url)
    const marker = `${route}/`
    const at = pathname.indexOf(marker)
    const objectPath = at === -1 ? '' : pathname.slice(at + marker.length)
    if (!MEDIA_PATH_PATTERN.test(objectPath)) {
      throw new ApiError(400, 'invalid_path', 'This is not a file path of this chat.')
    }
    return objectPath
  }

  const routes = new Hono()
    .put(`${UPLOAD_ROUTE}/*`, async (c) => {
      const objectPath = requestedPath(c, UPLOAD_ROUTE)
      const claims = (await verify(
        c.req.query('token'),
        UPLOAD_AUDIENCE,
        objectPath,
        'upload',
      )) as unknown as UploadClaims
      if (!(claims.type in MEDIA_TYPES && Number.isSafeInteger(claims.size))) {
        throw new ApiError(400, 'invalid_token', "This upload URL's token is not valid.")
      }
      // The media type without parameters: a browser sends a string body as text/plain;charset=…
      const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
      if (contentType !== claims.type) {
        const sent = contentType || 'a body without a Content-Type'
        throw new ApiError(
          415,
          'wrong_content_type',
          `This upload URL takes ${claims.type}, not ${sent}.`,
        )
      }
      const limit = Math.min(claims.size, options.maxBytes)
      const tooLarge = () =>
        new ApiError(413, 'file_too_large', `This upload URL takes at most ${limit} bytes.`)
      if (Number(c.req.header('content-length') ?? 0) > limit) throw tooLarge()

      const file = fileOf(objectPath)
      const exists = () => new ApiError(409, 'already_exists', 'The resource already exists.')
      // Spares reading a body that cannot be kept; the link() below is what settles a race.
      if (await stat(file).catch(() => undefined)) throw exists()

      // Written beside its final place (same folder, same file system) under a dot-name no path
      // can have, and moved into place only once complete.
      const folder = path.dirname(file)
      await mkdir(folder, { recursive: true })
      const partial = path.join(folder, `.${path.basename(file)}.${randomUUID()}.part`)
      const partialSidecar = `${partial}.json`
      try {
        await saveBody(c.req.raw.body, partial, limit, tooLarge)
        await writeFile(partialSidecar, JSON.stringify({ type: claims.type }), { flag: 'wx' })
        // link() fails if the name exists, where rename() would replace it: of two uploads to
        // one path, exactly one wins.
        try {
          await link(partial, file)
        } catch (error) {
          if (isErrorCode(error, 'EEXIST')) throw exists()
          throw error
        }
        await rename(partialSidecar, sidecarOf(file))
      } finally {
        await Promise.all([rm(partial, { force: true }), rm(partialSidecar, { force: true })])
      }
      // What Supabase answers; storage-js' uploadToSignedUrl reads `Key` as the fullPath.
      return c.json({ Key: `${MEDIA_BUCKET}/${objectPath}` })
    })
    .get(`${READ_ROUTE}/*`, async (c) => {
      const objectPath = requestedPath(c, READ_ROUTE)
      const { exp, download } = await verify(
        c.req.query('token'),
        READ_AUDIENCE,
        objectPath,
        'file',
      )
      const file = fileOf(objectPath)
      const notFound = () => new ApiError(404, 'not_found', 'This file does not exist (anymore).')

      // Opened first, so that a remove() in between cannot swap what is measured and what is sent.
      const handle = await open(file, 'r').catch((error) => {
        throw isErrorCode(error, 'ENOENT') ? notFound() : error
      })
      let streaming = false
      try {
        const [info, type] = await Promise.all([
          handle.stat(),
          readType(file).catch((error) => {
            throw isErrorCode(error, 'ENOENT') ? notFound() : error
          }),
        ])
        // Only the signed name counts: a `download=` added to the URL is ignored. Anything but
        // images and video is only ever downloaded, whatever the token says.
        const signedName = typeof download === 'string' ? download : undefined
        const disposition =
          isInlineMedia(type) && signedName === undefined
            ? 'inline'
            : attachment(signedName || path.basename(objectPath))
        const remaining = Math.max(0, (exp ?? 0) - epochSeconds(clock()))
        const range = byteRange(c.req.header('range'), info.size)
        const headers: Record<string, string> = {
          'Content-Type': type,
          'Content-Disposition': disposition,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': `private, max-age=${remaining}`,
          // Safari plays video only from servers that answer ranges.
          'Accept-Ranges': 'bytes',
        }
        if (range === 'unsatisfiable') {
          headers['Content-Range'] = `bytes */${info.size}`
          return c.body(null, 416, headers)
        }
        const { start, end } = range ?? { start: 0, end: info.size - 1 }
        headers['Content-Length'] = String(Math.max(0, end - start + 1))
        if (range) headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`
        const status = range ? 206 : 200
        // Hono answers HEAD from this GET route and drops the body: open no stream for it.
        if (c.req.method === 'HEAD' || info.size === 0) return c.body(null, status, headers)
        // The stream closes the file when it ends or the client goes away.
        const body = Readable.toWeb(handle.createReadStream({ start, end })) as ReadableStream
        streaming = true
        return c.body(body, status, headers)
      } finally {
        if (!streaming) await handle.close()
      }
    })
    .notFound((c) =>
      c.json(new ApiError(404, 'not_found', 'There is nothing at this storage URL.').toJSON(), 404),
    )
    .onError(renderError)

  return { store, routes }
}

/**
 * Streams `body` into a new file, counting bytes as they arrive; past `limit` it stops reading and
 * throws `tooLarge()`, so an oversized body is never held whole. The caller removes the file.
 */
async function saveBody(
  body: ReadableStream<Uint8Array> | null,
  file: string,
  limit: number,
  tooLarge: () => Error,
): Promise<void> {
  const handle = await open(file, 'wx')
  try {
    if (!body) return
    const reader = body.getReader()
    let size = 0
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch {
        // The client went away mid-upload: nobody reads this answer, but it is not our bug.
        throw new ApiError(400, 'upload_interrupted', 'The upload stopped before the file ended.')
      }
      if (chunk.done) return
      size += chunk.value.byteLength
      if (size > limit) {
        await reader.cancel().catch(() => {})
        throw tooLarge()
      }
      await handle.write(chunk.value)
    }
  } finally {
    await handle.close()
  }
}

/**
 * The one byte range a `Range` header asks for (`bytes=a-b`, `bytes=a-`, `bytes=-n`), undefined to
 * send the whole file (no header, or one this does not serve, such as several ranges).
 */
function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/)
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  // An empty file has no byte to give.
  if (size === 0) return 'unsatisfiable'
  const [, first = '', last = ''] = match
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (start >= size) return 'unsatisfiable'
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (end < start) return undefined
  return { start, end }
}

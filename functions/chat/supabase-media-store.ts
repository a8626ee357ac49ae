import { createClient, type WebSocketLikeConstructor } from '@supabase/supabase-js'
import { isInlineMedia, MEDIA_BUCKET, MEDIA_TYPES } from '../_shared/protocol.ts'
import type { MediaStore } from './media-store.ts'

/** How long Supabase Storage keeps a signed upload URL valid (fixed by the service: 2 hours). */
export const SIGNED_UPLOAD_TTL_MS = 2 * 60 * 60 * 1000
/** Storage refuses to delete more objects than this in one request. */
export const MAX_REMOVE_BATCH = 1000

export interface SupabaseMediaStoreOptions {
  /** The project URL (`SUPABASE_URL`). */
  url: string
  /**
   * A key that bypasses Storage's policies (the bucket is private and has none for other roles): a
   * secret key (`sb_secret_…`, from `SUPABASE_SECRET_KEYS`) or the legacy service_role JWT
   * (`SUPABASE_SERVICE_ROLE_KEY`). Both are handed to supabase-js as they are: see below.
   */
  apiKey: string
  bucket?: string
  /** For tests; defaults to the global fetch. */
  fetch?: typeof fetch
}

// supabase-js builds a Realtime client even when nothing subscribes, and on Node < 22 (no global
// WebSocket) it throws unless handed a transport. This store never opens Realtime, so it gets a
// transport that refuses to connect.
const noRealtime = class {
  constructor() {
    throw new Error('The media store does not use Supabase Realtime.')
  }
} as unknown as WebSocketLikeConstructor

// Files are named `<room>/<uuid>.<ext>`; the extension says what type was allowed in.
const typeByExtension = new Map<string, string>(
  Object.entries(MEDIA_TYPES).map(([type, extension]) => [extension, type]),
)
const inlineByPath = (path: string) =>
  isInlineMedia(typeByExtension.get(path.slice(path.lastIndexOf('.') + 1)) ?? '')

/**
 * Storage's token signs only the object (`url` claim); `download=` is read from the query unsigned
 * (storage-api's getSignedObject route), so whoever holds a URL could change a name we put there.
 * We put none: an empty `download=` makes Storage answer `Content-Disposition: attachment;`, and
 * the browser names the file after the object, `<uuid>.<ext>`, an extension of its checked type.
 */
const DOWNLOAD_UNNAMED = '&download='

const storageError = (action: string, error: { message: string }) =>
  new Error(`Supabase Storage could not ${action}: ${error.message}`)

/**
 * The MediaStore on a private Supabase Storage bucket, via supabase-js with a secret key.
 *
 * No header is written here: supabase-js (2.109) sends any key, secret key or legacy JWT alike, as
 * `apikey: <key>` and, with no user session, also as `Authorization: Bearer <key>`
 * (node_modules/@supabase/supabase-js/src/lib/fetch.ts, lines 46-52 of fetchWithAuth; the bearer is
 * `session?.access_token ?? supabaseKey`, SupabaseClient.ts line 577). Supabase's gateway reads the
 * secret key from `apikey` (a secret key is not a JWT, and is refused when it is only in
 * Authorization); Storage accepts the same key repeated as the bearer, which is how every
 * supabase-js server client talks to it. The tests assert these headers for both kinds of key.
 */
export function createSupabaseMediaStore(options: SupabaseMediaStoreOptions): MediaStore {
  const supabase = createClient(options.url, options.apiKey, {
    // A server holds no user session: every request carries the key itself.
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: noRealtime },
    ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
  })
  const bucket = () => supabase.storage.from(options.bucket ?? MEDIA_BUCKET)

  return {
    async createUpload(path) {
      // Taken before asking, so the URL outlives the time we announce.
      const expiresAt = new Date(Date.now() + SIGNED_UPLOAD_TTL_MS)
      // The URL itself limits neither type nor size: the bucket's allowed_mime_types and
      // file_size_limit refuse other uploads, and the function checks stat() against what the
      // message claims before it stores the message.
      const { data, error } = await bucket().createSignedUploadUrl(path)
      if (error) throw storageError(`sign an upload to ${path}`, error)
      return { uploadUrl: data.signedUrl, expiresAt }
    },

    async stat(path) {
      // info() answers with size and type in one request; exists() only says yes or no.
      const { data, error } = await bucket().info(path)
      if (error) {
        // Storage answers a missing object with HTTP 400 and statusCode "404" in the body
        // (newer deployments may use a 404 status): both mean nothing is there yet.
        if (error.status === 404 || error.statusCode === '404') return undefined
        throw storageError(`read ${path}`, error)
      }
      if (typeof data.size !== 'number' || typeof data.contentType !== 'string') {
        throw new Error(`Supabase Storage gave no size or type for ${path}.`)
      }
      return { size: data.size, type: data.contentType }
    },

    async signReadUrls(files, expiresInSeconds) {
      if (files.length === 0) return []
      // One request for all files.
      const { data, error } = await bucket().createSignedUrls(
        files.map((file) => file.path),
        expiresInSeconds,
      )
      if (error) throw storageError('sign read URLs', error)
      const signed = new Map(data.map((entry) => [entry.path, entry]))
      return files.map(({ path }) => {
        const entry = signed.get(path)
        // Storage answers a missing file with an error entry and no URL.
        if (!entry?.signedUrl) return undefined
        return inlineByPath(path) ? entry.signedUrl : `${entry.signedUrl}${DOWNLOAD_UNNAMED}`
      })
    },

    async remove(paths) {
      for (let start = 0; start < paths.length; start += MAX_REMOVE_BATCH) {
        const { error } = await bucket().remove(paths.slice(start, start + MAX_REMOVE_BATCH))
        if (error) throw storageError('remove files', error)
      }
    },
  }
}

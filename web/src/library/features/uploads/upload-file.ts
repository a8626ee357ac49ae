import {
  type Attachment,
  DEFAULT_MEDIA_MAX_BYTES,
  fileNameSchema,
  fileTooLargeMessage,
  MEDIA_TYPES,
  SHAREABLE_MEDIA,
  type UploadRequest,
  type UploadResponse,
} from '@shared/protocol.ts'
import { ChatApiError, type RoomApi } from '../../engine/chat-api.ts'
import { type Clock, systemClock } from '../../engine/clock.ts'
import { requestUpload } from './uploads-api.ts'

/**
 * Waits before the 2nd and 3rd try after a network or server failure: three tries in all. Longer
 * than a blip, short enough that a person watching the progress bar does not give up first.
 */
const RETRY_DELAYS_MS: readonly number[] = [1000, 2000]
/** An upload URL this close to its expiry is not reused for a retry: the PUT would outlast it. */
const EXPIRY_MARGIN_MS = 30_000

/** What to upload: the file's metadata as the function checks it, and its bytes. */
export interface UploadableFile {
  name: string
  type: string
  size: number
  /** Measured in the browser, for images and video: receivers reserve the space before loading. */
  width?: number
  height?: number
  body: Blob
}

/** One PUT of the bytes to an upload URL. */
export interface PutRequest {
  url: string
  body: Blob
  contentType: string
  onProgress: (loaded: number, total: number) => void
  signal?: AbortSignal
}

/** What storage answered: status 0 when no answer came (network failure). */
export interface PutResponse {
  status: number
  body: string
}

export interface UploadOptions {
  /** From 0 to 1; back to 0 when a retry starts over. */
  onProgress: (fraction: number) => void
  signal?: AbortSignal
  /** The PUT; XMLHttpRequest in the browser (fetch reports no upload progress). */
  send?: (request: PutRequest) => Promise<PutResponse>
  clock?: Clock
  retryDelaysMs?: readonly number[]
}

/** An upload that failed for good, with a message a person can read. */
export class UploadError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UploadError'
  }
}

export const isAbortError = (error: unknown) =>
  error instanceof Error && error.name === 'AbortError'

const abortError = () => new DOMException('The upload was cancelled.', 'AbortError')

/** A file size for people: "512 B", "3.4 KB", "12 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / 1024 / 1024, 'MB']
  // One decimal while it says something (3.4 KB), none once the number is large (120 KB).
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value)
  return `${rounded} ${unit}`
}

// Labels for refused types that people know by name; otherwise the file's extension names it.
const TYPE_LABELS: Record<string, string> = { 'image/svg+xml': 'SVG', 'text/html': 'HTML' }

function kindOf(file: { name: string; type: string }): string {
  const label = TYPE_LABELS[file.type]
  if (label) return `${label} files`
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(file.name)?.[1]
  return extension ? `${extension.toUpperCase()} files` : 'Files of this kind'
}

/**
 * Why a file may not be shared (its name, type or size), before anything is asked of the server;
 * undefined when it may. The function checks again: this only spares a pointless request.
 */
export function checkFile(
  file: { name: string; type: string; size: number },
  maxBytes = DEFAULT_MEDIA_MAX_BYTES,
): string | undefined {
  const name = fileNameSchema.safeParse(file.name)
  if (!name.success) return `${file.name || 'This file'}: ${name.error.issues[0]?.message}`
  if (!Object.hasOwn(MEDIA_TYPES, file.type)) {
    return `${file.name}: ${kindOf(file)} cannot be shared. ${SHAREABLE_MEDIA}`
  }
  if (file.size <= 0) return `${file.name} is empty.`
  if (file.size > maxBytes) {
    return fileTooLargeMessage(file.name, file.size, maxBytes)
  }
  return undefined
}

/**
 * Storage's error message: the local stack answers `{error: {message}}`, Supabase Storage
 * `{message}` or `{error}`. Anything else is described by its status.
 */
export function storageMessage(response: PutResponse): string {
  if (response.status === 0) return 'the network failed'
  let json: unknown
  try {
    json = JSON.parse(response.body)
  } catch {
    json = undefined
  }
  if (json && typeof json === 'object') {
    const { error, message } = json as { error?: unknown; message?: unknown }
    const nested =
      error && typeof error === 'object' ? (error as { message?: unknown }).message : ''
    for (const candidate of [nested, message, error]) {
      if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim()
    }
  }
  return `storage answered ${response.status}`
}

// "Token expired", "jwt expired", or Supabase's `"exp" claim timestamp check failed`.
const EXPIRED = /expired|"exp" claim/i

const isSuccess = (status: number) => status >= 200 && status < 300
/** No answer, a timeout, a rate limit or a server failure: worth another try. */
const isTransient = (status: number) =>
  status === 0 || status === 408 || status === 429 || status >= 500

/** A message without its final full stop, to go inside a sentence of ours. */
const clause = (message: string) => message.trim().replace(/\.+$/, '')

const withName = (name: string, message: string) =>
  message.includes(name) ? message : `${name}: ${message}`

/** Rejects with an AbortError as soon as `signal` aborts, whatever `promise` does. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(abortError())
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function wait(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return abortable(
    new Promise<void>((resolve) => {
      const handle = clock.setTimeout(resolve, ms)
      signal?.addEventListener('abort', () => clock.clearTimeout(handle), { once: true })
    }),
    signal,
  )
}

/**
 * Uploads one file: asks the chat function for an upload URL, PUTs the bytes there and returns
 * the attachment to send with a message. The rules:
 * - a refused name, type or size (checkFile) fails before any request;
 * - no answer, 408, 429 or 5xx (from the function or from storage) is tried again after 1 s,
 *   then 2 s (RETRY_DELAYS_MS): three tries in all, then the upload fails;
 * - a retry reuses the upload URL unless it expires within EXPIRY_MARGIN_MS (then it asks anew);
 * - any other 4xx fails at once with the server's message, except once per upload: a 4xx that
 *   says the URL expired, or that answers a reused URL, gets a new URL and one more PUT;
 * - `signal` cancels at any point and rejects with an AbortError.
 */
export async function uploadFile(
  api: Pick<RoomApi, 'route'>,
  file: UploadableFile,
  options: UploadOptions,
): Promise<Attachment> {
  const refused = checkFile(file)
  if (refused) throw new UploadError(refused)
  const { signal, onProgress } = options
  const clock = options.clock ?? systemClock
  const send = options.send ?? xhrPut
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS
  const request = {
    name: file.name,
    type: file.type as UploadRequest['type'],
    size: file.size,
    ...(file.width && file.height ? { width: file.width, height: file.height } : {}),
  }

  let ticket: UploadResponse | undefined
  let ticketUsed = false
  let renewed = false
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortError()
    let failure: { message: string; retryAfterMs?: number }
    try {
      if (
        !ticket ||
        (ticketUsed && clock.now() >= Date.parse(ticket.expiresAt) - EXPIRY_MARGIN_MS)
      ) {
        ticket = await abortable(requestUpload(api, request), signal)
        ticketUsed = false
      }
      const reused = ticketUsed
      ticketUsed = true
      onProgress(0)
      const response = await abortable(
        send({
          url: ticket.uploadUrl,
          body: file.body,
          contentType: file.type,
          onProgress: (loaded, total) => onProgress(total > 0 ? Math.min(1, loaded / total) : 0),
          signal,
        }),
        signal,
      )
      if (isSuccess(response.status)) {
        onProgress(1)
        return { path: ticket.path, ...request }
      }
      const message = storageMessage(response)
      if (!isTransient(response.status)) {
        if (!renewed && (reused || EXPIRED.test(message))) {
          // The URL is (probably) stale: a fresh one, and this try does not count.
          renewed = true
          ticket = undefined
          attempt--
          continue
        }
        throw new UploadError(`${file.name} could not be uploaded: ${clause(message)}.`)
      }
      failure = { message }
    } catch (error) {
      if (isAbortError(error) || error instanceof UploadError) throw error
      if (error instanceof ChatApiError && !error.retryable) {
        throw new UploadError(withName(file.name, error.message))
      }
      failure = {
        message: error instanceof Error ? error.message : String(error),
        retryAfterMs: error instanceof ChatApiError ? error.retryAfterMs : undefined,
      }
    }
    const delay = delays[attempt - 1]
    if (delay === undefined) {
      throw new UploadError(
        `${file.name} could not be uploaded (${attempt} tries): ${clause(failure.message)}. Try again later.`,
      )
    }
    await wait(clock, Math.max(delay, failure.retryAfterMs ?? 0), signal)
  }
}

/** A PUT that sends nothing for this long has stalled: it counts as a network failure. */
const UPLOAD_STALL_TIMEOUT_MS = 30_000

/**
 * The browser's PUT, with upload progress. Never rejects but on abort: failures are status 0,
 * and so is a PUT that makes no progress for UPLOAD_STALL_TIMEOUT_MS (a big file may take long,
 * but never that long without a byte moving).
 */
function xhrPut(request: PutRequest): Promise<PutResponse> {
  return new Promise((resolve, reject) => {
    const { signal } = request
    if (signal?.aborted) {
      reject(abortError())
      return
    }
    const xhr = new XMLHttpRequest()
    const onAbort = () => xhr.abort()
    let stalled = false
    let stallTimer: ReturnType<typeof setTimeout> | undefined
    const watchStall = () => {
      clearTimeout(stallTimer)
      stallTimer = setTimeout(() => {
        stalled = true
        xhr.abort()
      }, UPLOAD_STALL_TIMEOUT_MS)
    }
    const settle = (response: PutResponse) => {
      clearTimeout(stallTimer)
      signal?.removeEventListener('abort', onAbort)
      resolve(response)
    }
    xhr.open('PUT', request.url)
    xhr.setRequestHeader('Content-Type', request.contentType)
    xhr.upload.onprogress = (event) => {
      watchStall()
      if (event.lengthComputable) request.onProgress(event.loaded, event.total)
    }
    xhr.onload = () => settle({ status: xhr.status, body: xhr.responseText })
    xhr.onerror = () => settle({ status: 0, body: '' })
    xhr.ontimeout = () => settle({ status: 0, body: '' })
    xhr.onabort = () => {
      if (stalled) return settle({ status: 0, body: '' })
      clearTimeout(stallTimer)
      signal?.removeEventListener('abort', onAbort)
      reject(abortError())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    xhr.send(request.body)
    watchStall()
  })
}

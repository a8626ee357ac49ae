import type { Context, MiddlewareHandler } from 'hono'
import type { z } from 'zod'
import { messageIdSchema, roomNameSchema } from '../_shared/protocol.ts'
import { ApiError, invalidInput } from './errors.ts'

/** The `:room` path parameter, validated. */
export function roomParam(c: Context): string {
  const room = roomNameSchema.safeParse(c.req.param('room'))
  if (!room.success) {
    throw new ApiError(400, 'invalid_room', room.error.issues[0]?.message ?? 'Invalid room name.')
  }
  return room.data
}

/** The `:id` path parameter (a message or question id: `reason` says which), validated. */
export function messageIdParam(c: Context, reason = 'Message ids are UUIDs.'): string {
  const id = messageIdSchema.safeParse(c.req.param('id'))
  if (!id.success) {
    throw new ApiError(400, 'invalid_input', reason, { fields: { id: [reason] } })
  }
  return id.data
}

/** The JSON request body, parsed with `schema`; 400 with field messages when it does not fit. */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  let body: unknown
  try {
    body = JSON.parse(await c.req.text())
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body must be valid JSON.')
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw invalidInput(parsed.error)
  return parsed.data
}

/** The query string, parsed with `schema`; 400 "The <what> query is invalid." with field messages. */
export function queryParams<T extends z.ZodType>(c: Context, schema: T, what: string): z.output<T> {
  const parsed = schema.safeParse(c.req.query())
  if (!parsed.success) throw invalidInput(parsed.error, `The ${what} query is invalid.`)
  return parsed.data
}

export interface BodyLimits {
  /** The most bytes a request body may have (MAX_REQUEST_BYTES). */
  maxBytes: number
  /** How long the whole body may take to arrive (CHAT_BODY_TIMEOUT_MS). */
  timeoutMs: number
}

/**
 * Reads every request body before any route sees it, within `limits`, so that no route reads an
 * unbounded body: 413 `payload_too_large` at once when the declared Content-Length is over the
 * limit (the body is never touched), or as soon as a streamed (chunked) body passes it while it is
 * counted; 400 `incomplete_body` when the body does not arrive in full within the time limit (a
 * body shorter than its Content-Length) or the client goes away. Routes then read the body from
 * the request as usual (`c.req.text()`, `jsonBody`).
 *
 * @example app.use(boundedBody({ maxBytes: MAX_REQUEST_BYTES, timeoutMs: 10_000 }))
 */
export function boundedBody({ maxBytes, timeoutMs }: BodyLimits): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const length = declaredLength(c)
    if (length !== undefined && length > maxBytes) throw payloadTooLarge(maxBytes)
    if (length === 0) return next()
    const deadline = bodyDeadline(timeoutMs)
    try {
      if (length !== undefined) {
        // The length is known and small: read the usual way (on Node without building a web
        // Request). The HTTP parser delivers no more than the declared length.
        await deadline.within(c.req.text())
      } else {
        const body = c.req.raw.body
        // Counted into memory (at most maxBytes), then handed on as the request's body.
        if (body)
          c.req.raw = new Request(c.req.raw, {
            body: await readCounted(body, maxBytes, deadline.within),
          })
      }
    } catch (error) {
      throw error instanceof ApiError ? error : incompleteBody()
    } finally {
      deadline.clear()
    }
    await next()
  }
}

// Both close the connection: the rest of the body is never read, so it cannot carry another request.
const payloadTooLarge = (maxBytes: number) =>
  new ApiError(
    413,
    'payload_too_large',
    `Requests are at most ${maxBytes / 1024} KiB; this one is larger. Send less at once.`,
    { headers: { Connection: 'close' } },
  )
const incompleteBody = () =>
  new ApiError(
    400,
    'incomplete_body',
    'The request body ended before its declared length, or stopped arriving. Send the request again.',
    { headers: { Connection: 'close' } },
  )

/** The body's declared length; undefined when it is streamed (chunked) or the header is unusable. */
function declaredLength(c: Context): number | undefined {
  if (c.req.header('Transfer-Encoding') !== undefined) return undefined
  const header = c.req.header('Content-Length')?.trim()
  return header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined
}

/** One time limit for a whole body: `within(read)` rejects with 400 once it has passed. */
function bodyDeadline(ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(incompleteBody()), ms)
  })
  return {
    within: <T>(read: Promise<T>): Promise<T> => Promise.race([read, expired]),
    clear: () => clearTimeout(timer),
  }
}

/** The body's bytes, counted as they arrive; 413 as soon as they pass `maxBytes`. */
async function readCounted(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  within: <T>(read: Promise<T>) => Promise<T>,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await within(reader.read())
      if (done) break
      size += value.byteLength
      if (size > maxBytes) throw payloadTooLarge(maxBytes)
      chunks.push(value)
    }
  } catch (error) {
    // Nothing more is read. A body that already failed (the client went away) rejects the cancel
    // with that same failure, which the response already reports.
    reader.cancel().catch(() => undefined)
    throw error
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

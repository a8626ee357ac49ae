import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { z } from 'zod'
import { ApiError, invalidInput } from './errors.ts'
import { roomNameSchema } from './protocol.ts'

/** The `:room` path parameter, validated. */
export function roomParam(c: Context): string {
  const room = roomNameSchema.safeParse(c.req.param('room'))
  if (!room.success) {
    throw new ApiError(400, 'invalid_room', room.error.issues[0]?.message ?? 'Invalid room name.')
  }
  return room.data
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

/**
 * Refuses a request body over `maxSize` bytes through `onError`. When the request declares its
 * length, the header decides, without touching the body stream: on Node, reading
 * `c.req.raw.body` (as Hono's bodyLimit does first) builds a whole web Request for every call.
 * A body streamed without a length is counted by Hono's bodyLimit as it arrives.
 */
export function limitBody(maxSize: number, onError: (c: Context) => never): MiddlewareHandler {
  const counted = bodyLimit({ maxSize, onError })
  return async (c, next) => {
    const length = c.req.header('Content-Length')
    if (length === undefined || c.req.header('Transfer-Encoding') !== undefined) {
      return counted(c, next)
    }
    if (Number.parseInt(length, 10) > maxSize) onError(c)
    await next()
  }
}

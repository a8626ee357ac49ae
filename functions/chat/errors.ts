import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import type { ErrorResponse } from '../_shared/protocol.ts'
import { noteFailure, printCause, requestIdOf } from './request-log.ts'

/**
 * The one error type of the function: a status, a snake_case code for programs and a message a
 * person can act on. Thrown anywhere in a request; `renderError` turns it into the response.
 *
 * @example throw new ApiError(403, 'wrong_room', 'This token is for another room.')
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly options: { fields?: Record<string, string[]>; headers?: Record<string, string> } = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }

  toJSON(): ErrorResponse {
    const { fields } = this.options
    return { error: { code: this.code, message: this.message, ...(fields ? { fields } : {}) } }
  }
}

/** A 400 naming each invalid field, from a failed zod parse. */
export function invalidInput(error: z.ZodError, message = 'Some fields are invalid.'): ApiError {
  const fields: Record<string, string[]> = {}
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_'
    if (issue.code === 'unrecognized_keys') {
      // Named where it is: "admin" at the top, "mentions.0.admin" inside a list.
      for (const unknownKey of issue.keys) {
        fields[[...issue.path, unknownKey].join('.')] = ['This field is not allowed.']
      }
      continue
    }
    fields[key] = [...(fields[key] ?? []), issue.message]
  }
  return new ApiError(400, 'invalid_input', message, { fields })
}

/** The code of the error a database query throws when it misses its deadline. */
const DATABASE_TIMEOUT = 'DATABASE_TIMEOUT'

/**
 * 403 sender_blocked: the person is blocked in the room (or everywhere); `doing` is what the block
 * keeps them from ("sending messages", "reacting"), `reason` what the owner or ops gave, if any.
 *
 * @example throw senderBlocked(outcome.reason, 'reacting')
 */
export function senderBlocked(reason: string | null | undefined, doing: string): ApiError {
  return new ApiError(
    403,
    'sender_blocked',
    `You have been blocked from ${doing} here${reason ? ` (${reason})` : ''}. Ask the room's host if you think this is a mistake.`,
  )
}

/** A query that took longer than `ms`: the database (or its pooler) is not answering in time. */
export function databaseTimeout(ms: number): Error {
  return Object.assign(new Error(`The database did not answer within ${ms} ms.`), {
    code: DATABASE_TIMEOUT,
  })
}

/** The code of the error a call fails with while the database is known not to answer. */
const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE'

/** A call refused at once because the database did not answer the last probe. */
export function databaseUnavailable(): Error {
  return Object.assign(new Error('The database is not answering; waiting for it to come back.'), {
    code: DATABASE_UNAVAILABLE,
  })
}

/**
 * Postgres and network failures that mean "the database is not reachable", not a bug: refused
 * or lost connections, a missed deadline, and a statement cancelled or timed out (57014).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = String((error as { code?: unknown }).code ?? '')
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|CONNECT_TIMEOUT|DATABASE_TIMEOUT|DATABASE_UNAVAILABLE|CONNECTION_(CLOSED|ENDED|DESTROYED))$/.test(
      code,
    ) || /^(08|53|57P|57014$)/.test(code)
  )
}

/**
 * Turns anything thrown during a request into the JSON error response. Behind `requestLog`, the
 * body carries the request id (`error.requestId`, also in `X-Request-Id`) and the error is noted
 * for the request's log line; an app without it (the local storage stand-in) prints 5xx causes.
 */
export function renderError(error: unknown, c: Context): Response {
  const requestId = requestIdOf(c)
  const answer = (apiError: ApiError, cause?: unknown) => {
    if (requestId) noteFailure(c, { code: apiError.code, cause })
    else if (cause !== undefined) printCause({ code: apiError.code, cause })
    const body = apiError.toJSON()
    return c.json(requestId ? { error: { ...body.error, requestId } } : body, apiError.status)
  }
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.options.headers ?? {})) c.header(name, value)
    return answer(error)
  }
  if (isDatabaseUnavailable(error)) {
    c.header('Retry-After', '5')
    const unavailable = new ApiError(
      503,
      'database_unavailable',
      'The chat database is not reachable right now. Try again in a few seconds.',
    )
    return answer(unavailable, error)
  }
  return answer(new ApiError(500, 'internal_error', 'Something went wrong on our side.'), error)
}

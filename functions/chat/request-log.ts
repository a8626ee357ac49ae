import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes, routePath } from 'hono/route'

/** What `renderError` notes about an error answer, for its log line. */
export interface Failure {
  /** The error code of the answer (`invalid_input`, `internal_error`…). */
  code: string
  /** What was thrown, for answers that are not the client's fault (5xx). Never written as is. */
  cause?: unknown
}

declare module 'hono' {
  interface ContextVariableMap {
    /** This request's id: in the log, in `X-Request-Id` and in every error body. */
    requestId: string
    /** The error answer of this request, when it got one. */
    failure: Failure
  }
}

/** One line per request. */
interface RequestLine {
  event: 'request'
  requestId: string
  method: string
  /** The pattern of the route asked for (`/chat/rooms/:room/messages`); null when none matched. */
  route: string | null
  status: number
  durationMs: number
  /** A salted hash of the user id, for requests with a room token. */
  user?: string
}

/** One line per error answer, with its code; written before its request line. */
interface ErrorLine {
  event: 'error'
  requestId: string
  method: string
  route: string | null
  status: number
  code: string
  user?: string
  /** For 5xx: what was thrown, without its message (which may quote what a person wrote). */
  cause?: { name: string; code?: string; stack?: string[] }
}

export type LogLine = RequestLine | ErrorLine

/**
 * Where the request log goes. `cause` is what was thrown, for 5xx error lines: a writer may show
 * it (locally), the JSON writer keeps only its name, code and stack frames.
 */
export type ChatLog = (line: LogLine, cause?: unknown) => void

/** `console.log`/`warn`/`error` by the line's level, which Supabase's log explorer filters by. */
type Write = (level: 'info' | 'warn' | 'error', text: string) => void

const toConsole: Write = (level, text) => {
  if (level === 'error') console.error(text)
  else if (level === 'warn') console.warn(text)
  else console.log(text)
}

/**
 * The production log: each line one JSON object on one line, which Supabase keeps as one event
 * (its `event_message`) in the function's logs. Error lines of 5xx answers are errors, of 4xx
 * warnings; request lines are info.
 *
 * @example createChatDeps(config, { media, log: jsonLineLog() })
 */
export function jsonLineLog(write: Write = toConsole): ChatLog {
  return (line, cause) => {
    const level = line.event === 'request' ? 'info' : line.status >= 500 ? 'error' : 'warn'
    const summary = line.event === 'error' && cause !== undefined ? summarize(cause) : undefined
    write(level, JSON.stringify(summary ? { ...line, cause: summary } : line))
  }
}

/**
 * Without a log (the local stack, tests that give none): what was thrown behind a 5xx answer goes
 * to the console in full, as it always did; nothing else is written.
 */
export function printCause({ code, cause }: Failure): void {
  const what = code === 'database_unavailable' ? 'database unavailable' : 'unexpected error'
  console.error(`chat: ${what}:`, cause)
}

/** An incoming `X-Request-Id` is kept only when it is a short token of safe characters. */
const SAFE_REQUEST_ID = /^[\w-]{1,64}$/

export interface RequestLogOptions {
  /** Where the lines go; without one, only the causes of 5xx answers are printed, in full. */
  log?: ChatLog
  /** The function's base path (`/chat`), to read route patterns the same wherever it is mounted. */
  basePath: string
  /**
   * The per-deployment salt of the user hashes (CHAT_LOG_SALT, else derived from DAILY_API_KEY).
   * Without one, a random salt of this instance: hashes then differ between instances.
   */
  userSalt?: string
}

/**
 * Gives every request an id (`X-Request-Id`: the caller's when it is a short safe token, else a new
 * UUID), set on the context for `renderError` and on the response, and writes one log line per
 * request, plus one per error answer, to `log`. Register it first, so it times and sees all.
 *
 * @example app.use(requestLog({ log: deps.log, basePath: '/chat', userSalt: config.logSalt }))
 */
export function requestLog({ log, basePath, userSalt }: RequestLogOptions) {
  const hashUser = userHasher(userSalt ?? crypto.randomUUID())
  const handler: MiddlewareHandler = async (c, next) => {
    const started = performance.now()
    const incoming = c.req.header('X-Request-Id')
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
    c.set('requestId', requestId)
    // Read now: once the routes have run, routePath names theirs. It is `<prefix><basePath>/*`.
    const prefix = log ? routePath(c).slice(0, -`${basePath}/*`.length) : ''
    await next()
    c.res.headers.set('X-Request-Id', requestId)
    const failure = c.get('failure')
    if (!log) {
      if (failure?.cause !== undefined) printCause(failure)
      return
    }

    const user = (c.var as { user?: { id: string } }).user
    const common = {
      requestId,
      method: c.req.method,
      route: answeringRoute(c, prefix),
      status: c.res.status,
      ...(user ? { user: hashUser(user.id) } : {}),
    }
    if (failure) log({ event: 'error', ...common, code: failure.code }, failure.cause)
    const durationMs = Math.round((performance.now() - started) * 10) / 10
    log({ event: 'request', ...common, durationMs })
  }
  return handler
}

/** This request's id, once `requestLog` has run; undefined for an app without it. */
export function requestIdOf(c: Context): string | undefined {
  return c.get('requestId')
}

/** Notes an error answer for the request log (by `renderError`). */
export function noteFailure(c: Context, failure: Failure): void {
  c.set('failure', failure)
}

/**
 * The user hash: the first 16 hex digits (64 bits) of HMAC-SHA-256(salt, user id). Stable within a
 * deployment, so one person's requests can be followed; meaningless without the salt.
 */
function userHasher(salt: string): (userId: string) => string {
  const key = utf8ToBytes(salt)
  return (userId) => bytesToHex(hmac(sha256, key, utf8ToBytes(userId))).slice(0, 16)
}

/**
 * The pattern of the route the request matched, as registered (never the path asked for, which
 * carries room names and ids), without the prefix of an app this one is mounted in.
 */
function answeringRoute(c: Context, prefix: string): string | null {
  let answering: string | undefined
  for (const route of matchedRoutes(c)) if (route.method !== 'ALL') answering = route.path
  return answering === undefined ? null : answering.slice(prefix.length)
}

/** What the log keeps of something thrown: no message, which may quote a person's words. */
function summarize(cause: unknown): NonNullable<ErrorLine['cause']> {
  if (!(cause instanceof Error)) return { name: typeof cause }
  const code = (cause as { code?: unknown }).code
  return {
    name: cause.name,
    ...(typeof code === 'string' && /^[\w.-]{1,40}$/.test(code) ? { code } : {}),
    stack: (cause.stack ?? '')
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .slice(0, 10)
      .map((line) => line.trim()),
  }
}

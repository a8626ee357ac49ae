import {
  type Attachment,
  type ChangesPage,
  changesPageSchema,
  errorResponseSchema,
  type HistoryPage,
  historyPageSchema,
  type Mention,
  type NewPoll,
  type StoredMessage,
  storedMessageSchema,
  type TokenResponse,
  type TranscriptFormat,
  tokenResponseSchema,
} from '@shared/protocol.ts'
import type { z } from 'zod'
import { type Clock, systemClock } from './clock.ts'

/** How long a call may take, answer and body together, before it counts as failed (retryable). */
export const REQUEST_TIMEOUT_MS = 15_000
/** A transcript of a big room takes longer to stream. */
const TRANSCRIPT_TIMEOUT_MS = 120_000

/**
 * A failed call to the chat function, with a message a person can read: the one error every
 * RoomApi method throws. Whoever retries (the outbox, the URL refresher) asks `retryable`.
 */
export class ChatApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message)
    this.name = 'ChatApiError'
  }

  /** Worth trying again later: the network, the server, or a rate limit. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500
  }
}

/**
 * The chat function as one room's engine sees it, bound to that room and token: the engine's own
 * calls (writes, history, catch-up, one message, the transcript) and `route`, through which each
 * feature makes its own (features/<feature>/<feature>-api.ts), so that a new feature adds no
 * method here.
 */
export interface RoomApi {
  /** Writes one's message (again, with the same id, is safe); throws ChatApiError, `retryable` or not. */
  persistMessage(message: {
    id: string
    body: string
    attachments: readonly Attachment[]
    replyTo?: string
    mentions?: readonly Mention[]
    to?: string
    toName?: string
    poll?: NewPoll
  }): Promise<StoredMessage>
  loadHistoryPage(query: { limit?: number; before?: number; after?: number }): Promise<HistoryPage>
  loadMessage(id: string): Promise<StoredMessage>
  /** What was written, edited or deleted after a revision. */
  loadChanges(query: { since: number; limit?: number }): Promise<ChangesPage>
  /**
   * The room's conversation as a file to download; `vtt` (subtitles) needs the recording's start
   * (`recording.start`, ISO 8601), and leaves out what came after `recording.end`.
   */
  downloadTranscript(
    format: TranscriptFormat,
    recording?: { start: string; end?: string },
  ): Promise<{ file: Blob; name: string }>
  /**
   * A feature's own request to the room (`path` under `/rooms/:room`, e.g. `/messages/<id>/poll`,
   * with its query string if any), answered with what `schema` reads: how a feature module calls
   * its routes without a method here. A route that answers 204 No Content (a deletion) reads as
   * `undefined`: pass `z.undefined()`. Throws ChatApiError like every other call, and times out
   * the same way.
   *
   * @example api.route(`/messages/${id}/pin`, storedMessageSchema, { method: 'PUT' })
   */
  route<T extends z.ZodType>(
    path: string,
    schema: T,
    init: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; json?: unknown },
  ): Promise<z.output<T>>
}

export interface ChatApiOptions {
  fetch?: typeof fetch
  /** Times the request timeouts (tests pass a FakeClock). */
  clock?: Clock
  timeoutMs?: number
}

/**
 * The HTTP client of the chat function (`baseUrl` like `/functions/v1/chat`). Every response is
 * checked against the protocol's schemas before anyone uses it. Every call gives up after
 * `timeoutMs` (15 s) with a retryable ChatApiError (status 0, code `timeout`): a frozen server
 * must not hang a write that the outbox would otherwise retry.
 */
export function createChatApi(baseUrl: string, options: ChatApiOptions = {}) {
  const fetchImpl = options.fetch ?? ((...a) => fetch(...a))
  const clock = options.clock ?? systemClock
  const defaultTimeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS

  /**
   * Runs `use` on the response, or throws a ChatApiError with the function's own words for what
   * went wrong. The timeout covers reading the body in `use` too.
   */
  async function request<T>(
    path: string,
    init: RequestInit,
    use: (response: Response) => Promise<T>,
    timeoutMs = defaultTimeoutMs,
  ): Promise<T> {
    const controller = new AbortController()
    const timer = clock.setTimeout(() => controller.abort(), timeoutMs)
    // Rejects at the timeout whatever the fetch does with its signal.
    const timedOut = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () =>
        reject(
          new ChatApiError(
            0,
            'timeout',
            `The chat service did not answer within ${Math.round(timeoutMs / 1000)} s.`,
          ),
        ),
      )
    })
    timedOut.catch(() => {})
    try {
      let response: Response
      try {
        response = await Promise.race([
          fetchImpl(`${baseUrl}${path}`, { ...init, signal: controller.signal }),
          timedOut,
        ])
      } catch (error) {
        if (error instanceof ChatApiError) throw error
        throw new ChatApiError(0, 'network_error', `Network error: ${(error as Error).message}`)
      }
      if (response.ok) return await Promise.race([use(response), timedOut])
      const json: unknown = await Promise.race([response.json().catch(() => undefined), timedOut])
      const parsed = errorResponseSchema.safeParse(json)
      const retryAfter = Number(response.headers.get('Retry-After'))
      throw new ChatApiError(
        response.status,
        parsed.success ? parsed.data.error.code : 'http_error',
        parsed.success
          ? parsed.data.error.message
          : `The chat service answered ${response.status}.`,
        retryAfter > 0 ? retryAfter * 1000 : undefined,
      )
    } finally {
      clock.clearTimeout(timer)
    }
  }

  function call<T extends z.ZodType>(
    path: string,
    schema: T,
    init: RequestInit = {},
  ): Promise<z.output<T>> {
    return request(path, init, async (response) => {
      // No Content has no body to read: it reads as undefined (a deletion's z.undefined()).
      const body =
        response.status === 204 ? undefined : await response.json().catch(() => undefined)
      const parsed = schema.safeParse(body)
      if (!parsed.success) {
        throw new ChatApiError(
          502,
          'bad_response',
          'The chat service sent an answer we cannot read.',
        )
      }
      return parsed.data
    })
  }

  const jsonInit = (method: string, body: unknown, token?: string): RequestInit => ({
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })

  return {
    /** Joins an open room under a name: the token serves the call and the chat. */
    requestToken(room: string, userName: string): Promise<TokenResponse> {
      const path = `/rooms/${encodeURIComponent(room)}/tokens`
      return call(path, tokenResponseSchema, jsonInit('POST', { userName }))
    },

    /** The same API bound to one room and token. */
    forRoom(room: string, token: string): RoomApi {
      const roomPath = `/rooms/${encodeURIComponent(room)}`
      const base = `${roomPath}/messages`
      const auth = { headers: { Authorization: `Bearer ${token}` } }
      return {
        persistMessage(message) {
          return call(base, storedMessageSchema, jsonInit('POST', message, token))
        },
        loadHistoryPage(query) {
          return call(withQuery(base, query), historyPageSchema, auth)
        },
        route(path, schema, { method, json }) {
          const init = json === undefined ? { method, ...auth } : jsonInit(method, json, token)
          return call(`${roomPath}${path}`, schema, init)
        },
        loadMessage(id) {
          return call(`${base}/${encodeURIComponent(id)}`, storedMessageSchema, auth)
        },
        loadChanges({ since, limit }) {
          const params = new URLSearchParams({ since: String(since) })
          if (limit !== undefined) params.set('limit', String(limit))
          return call(`${roomPath}/changes?${params}`, changesPageSchema, auth)
        },
        downloadTranscript(format, recording) {
          const path = withQuery(`${roomPath}/transcript`, { format, ...recording })
          const read = async (response: Response) => {
            const disposition = response.headers.get('Content-Disposition') ?? ''
            const name =
              /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${room}-transcript.${format}`
            return { file: await response.blob(), name }
          }
          return request(path, auth, read, Math.max(defaultTimeoutMs, TRANSCRIPT_TIMEOUT_MS))
        },
      }
    },
  }
}

/** `path` with the query string of `query`'s defined values (`/search?q=lunch`). */
export function withQuery(
  path: string,
  query: Record<string, string | number | undefined>,
): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value))
  }
  return params.size > 0 ? `${path}?${params}` : path
}

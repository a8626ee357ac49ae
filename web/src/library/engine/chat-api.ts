import {
  type Attachment,
  type ChangesPage,
  changesPageSchema,
  errorResponseSchema,
  type HistoryPage,
  historyPageSchema,
  type Mention,
  type NewPoll,
  type PinsPage,
  pinsPageSchema,
  type ReportResponse,
  type RoomReports,
  type RoomSettings,
  reportResponseSchema,
  roomReportsSchema,
  roomSettingsSchema,
  type SearchPage,
  type StoredAttachment,
  type StoredMessage,
  searchPageSchema,
  signAttachmentsResponseSchema,
  storedMessageSchema,
  type TokenResponse,
  tokenResponseSchema,
  type UploadRequest,
  type UploadResponse,
  uploadResponseSchema,
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

/** The chat function as one room's client sees it, bound to that room and token. */
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
  /** A signed URL to upload one file to. */
  requestUpload(file: UploadRequest): Promise<UploadResponse>
  /** URLs to read files announced live (the live channel carries no URLs). */
  signAttachments(attachments: readonly Attachment[]): Promise<StoredAttachment[]>
  /** Changes the text of one's own message. */
  editMessage(id: string, body: string): Promise<StoredMessage>
  /** Deletes one's own message (or, for a room owner, anyone's). */
  deleteMessage(id: string): Promise<void>
  /** Adds one's reaction `emoji` to a message (again is safe): the message as it is now. */
  addReaction(id: string, emoji: string): Promise<StoredMessage>
  /** Takes back one's reaction `emoji` (none to take back is fine). */
  removeReaction(id: string, emoji: string): Promise<void>
  /** The room's pinned messages, the newest pin first. */
  loadPins(): Promise<PinsPage>
  /** Pins (`on`) or unpins a message for everyone (owners only): the message as it is now. */
  pinMessage(id: string, on: boolean): Promise<StoredMessage>
  /** The room's chat settings. */
  loadSettings(): Promise<RoomSettings>
  /** Changes the room's chat settings (owners only): the settings as saved. */
  saveSettings(settings: RoomSettings): Promise<RoomSettings>
  /** What this user reported in the room; for an owner, the messages with open reports too. */
  loadReports(): Promise<RoomReports>
  /** Reports someone else's message to the room's owners and ops (again: the first report). */
  reportMessage(id: string, reason: string): Promise<ReportResponse>
  /** The room's messages with every word of `q` (the last as a prefix), newest first. */
  searchMessages(query: { q: string; before?: number; limit?: number }): Promise<SearchPage>
  /** What was written, edited or deleted after a revision. */
  loadChanges(query: { since: number; limit?: number }): Promise<ChangesPage>
  /** The room's conversation as a file to download. */
  downloadTranscript(format: 'md' | 'json'): Promise<{ file: Blob; name: string }>
  /**
   * A feature's own request to the room (`path` under `/rooms/:room`, e.g. `/messages/<id>/poll`),
   * answered with what `schema` reads: how a feature module calls its routes without a method
   * here. Throws ChatApiError like every other call.
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
      const parsed = schema.safeParse(await response.json().catch(() => undefined))
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
        loadPins() {
          return call(`${roomPath}/pins`, pinsPageSchema, auth)
        },
        pinMessage(id, on) {
          const path = `${base}/${encodeURIComponent(id)}/pin`
          return call(path, storedMessageSchema, { method: on ? 'PUT' : 'DELETE', ...auth })
        },
        loadSettings() {
          return call(`${roomPath}/settings`, roomSettingsSchema, auth)
        },
        saveSettings(settings) {
          return call(`${roomPath}/settings`, roomSettingsSchema, jsonInit('PUT', settings, token))
        },
        loadReports() {
          return call(`${roomPath}/reports`, roomReportsSchema, auth)
        },
        reportMessage(id, reason) {
          const path = `${base}/${encodeURIComponent(id)}/reports`
          return call(path, reportResponseSchema, jsonInit('POST', { reason }, token))
        },
        searchMessages(query) {
          return call(withQuery(`${roomPath}/search`, query), searchPageSchema, auth)
        },
        loadMessage(id) {
          return call(`${base}/${encodeURIComponent(id)}`, storedMessageSchema, auth)
        },
        requestUpload(file) {
          return call(`${roomPath}/uploads`, uploadResponseSchema, jsonInit('POST', file, token))
        },
        editMessage(id, body) {
          const path = `${base}/${encodeURIComponent(id)}`
          return call(path, storedMessageSchema, jsonInit('PATCH', { body }, token))
        },
        async deleteMessage(id) {
          const path = `${base}/${encodeURIComponent(id)}`
          await request(path, { method: 'DELETE', ...auth }, async () => {})
        },
        addReaction(id, emoji) {
          const path = `${base}/${encodeURIComponent(id)}/reactions/${encodeURIComponent(emoji)}`
          return call(path, storedMessageSchema, { method: 'PUT', ...auth })
        },
        async removeReaction(id, emoji) {
          const path = `${base}/${encodeURIComponent(id)}/reactions/${encodeURIComponent(emoji)}`
          await request(path, { method: 'DELETE', ...auth }, async () => {})
        },
        loadChanges({ since, limit }) {
          const params = new URLSearchParams({ since: String(since) })
          if (limit !== undefined) params.set('limit', String(limit))
          return call(`${roomPath}/changes?${params}`, changesPageSchema, auth)
        },
        downloadTranscript(format) {
          const path = `${roomPath}/transcript?format=${format}`
          const read = async (response: Response) => {
            const disposition = response.headers.get('Content-Disposition') ?? ''
            const name =
              /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${room}-transcript.${format}`
            return { file: await response.blob(), name }
          }
          return request(path, auth, read, Math.max(defaultTimeoutMs, TRANSCRIPT_TIMEOUT_MS))
        },
        async signAttachments(attachments) {
          const init = jsonInit('POST', { attachments }, token)
          const signed = await call(
            `${roomPath}/attachments/sign`,
            signAttachmentsResponseSchema,
            init,
          )
          return signed.attachments
        },
      }
    },
  }
}

/** `path` with the query string of `query`'s defined values. */
function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value))
  }
  return params.size > 0 ? `${path}?${params}` : path
}

// The chat function wired to the test database, called in process with app.request().
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { expect, inject } from 'vitest'
import { type ChatDeps, createChatApp } from '../functions/chat/app.ts'
import { createPostgresMessageStore } from '../functions/chat/postgres-message-store.ts'
import { errorResponseSchema } from '../functions/chat/protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'

export const TEST_API_KEY = 'test-daily-api-key-0123456789abcdef'

/** A room name no other test uses. */
export const uniqueRoom = (prefix = 'room') => `${prefix}-${randomUUID().slice(0, 8)}`

export interface ChatHarness {
  app: ReturnType<typeof createChatApp>
  deps: ChatDeps
  /** Direct SQL on the test database, for assertions on what was (not) written. */
  sql: postgres.Sql
  /** A token for `room` as a new user called `name`. */
  tokenFor(room: string, name?: string): Promise<string>
  /** Calls the function: `path` is below /chat, `body` is JSON-encoded unless it is a string. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>
  close(): Promise<void>
}

export function createChatHarness(config: Partial<ChatDeps['config']> = {}): ChatHarness {
  const databaseUrl = inject('databaseUrl')
  const store = createPostgresMessageStore(databaseUrl)
  const tokens = createRoomTokens({ apiKey: TEST_API_KEY, ttlSeconds: 3600 })
  const deps: ChatDeps = {
    config: {
      openRooms: true,
      rateLimit: { messages: 20, windowSeconds: 10 },
      allowedOrigins: ['*'],
      ...config,
    },
    store,
    tokens,
  }
  const app = createChatApp(deps)
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} })

  return {
    app,
    deps,
    sql,
    async tokenFor(room, name = 'Ana') {
      return (await tokens.mint(room, { id: randomUUID(), name })).token
    },
    async call(method, path, { token, body, headers = {} } = {}) {
      return app.request(`/chat${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
    },
    async close() {
      await store.close()
      await sql.end()
    },
  }
}

/** Asserts the error contract: exactly {error: {code, message, fields?}} with this status/code. */
export async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const json = await response.json()
  expect(Object.keys(json)).toEqual(['error'])
  const { error } = errorResponseSchema.parse(json)
  const { code: actualCode, message, fields, ...rest } = json.error
  expect(rest).toEqual({})
  expect(actualCode).toBe(code)
  expect(message).toEqual(expect.stringMatching(/\S/))
  return { ...error, fields }
}

import { Hono } from 'hono'
import type { ChatDeps } from '../app.ts'
import type { HealthResponse } from '../protocol.ts'

/** `GET /health`: 200 when the database answers, 503 when it does not. */
export function healthRoutes({ store }: ChatDeps) {
  return new Hono().get('/health', async (c) => {
    try {
      await store.ping()
      return c.json({ ok: true } satisfies HealthResponse)
    } catch (error) {
      console.error('chat: health check failed:', error)
      return c.json({ ok: false } satisfies HealthResponse, 503)
    }
  })
}

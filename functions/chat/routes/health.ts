import { Hono } from 'hono'
import type { HealthResponse } from '../../_shared/protocol.ts'
import { withinDeadline } from '../database-gate.ts'
import type { ChatDeps } from '../deps.ts'

/**
 * How long `/health` waits for the database: a monitor is told "unhealthy" within this, even
 * when the store's own deadline for queries is longer.
 */
const HEALTH_TIMEOUT_MS = 2_000

/**
 * `GET /health`: 200 when the database answers, 503 (with Retry-After) when it does not in time.
 * Mounted at `/health`; asks for no token.
 */
export function healthRoutes({ store }: ChatDeps) {
  return new Hono().get('/', async (c) => {
    try {
      // A ping still running after the answer ends at the store's own deadline.
      await withinDeadline(store.ping(), HEALTH_TIMEOUT_MS)
      return c.json({ ok: true } satisfies HealthResponse)
    } catch (error) {
      console.error('chat: health check failed:', error)
      c.header('Retry-After', '5')
      return c.json({ ok: false } satisfies HealthResponse, 503)
    }
  })
}

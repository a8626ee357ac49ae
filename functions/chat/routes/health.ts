import { Hono } from 'hono'
import type { HealthResponse } from '../../_shared/protocol.ts'
import type { ChatDeps } from '../deps.ts'
import { databaseTimeout } from '../errors.ts'

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
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(databaseTimeout(HEALTH_TIMEOUT_MS)), HEALTH_TIMEOUT_MS)
    })
    try {
      // A ping still running after the answer ends at the store's own deadline.
      await Promise.race([store.ping(), late])
      return c.json({ ok: true } satisfies HealthResponse)
    } catch (error) {
      console.error('chat: health check failed:', error)
      c.header('Retry-After', '5')
      return c.json({ ok: false } satisfies HealthResponse, 503)
    } finally {
      clearTimeout(timer)
    }
  })
}

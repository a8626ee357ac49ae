import { Hono } from 'hono'
import {
  type ReportResponse,
  type RoomReports,
  reportRequestSchema,
} from '../../_shared/protocol.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody, messageIdParam } from '../request.ts'

/**
 * `POST /rooms/:room/messages/:id/reports` `{"reason"}`: reports someone else's message to the
 * room's owners and ops. Once per person and message: reporting again answers 200 with the first
 * report. Mounted at `/rooms/:room/messages/:id/reports`, behind the token.
 */
export function reportRoutes({ config, store }: ChatDeps) {
  return new Hono<RoomEnv>().post('/', async (c) => {
    const id = messageIdParam(c)
    const { reason } = await jsonBody(c, reportRequestSchema)
    const { room, user } = c.var
    await requireQuota(
      store,
      'report',
      user.id,
      config.quotas.report,
      'You are reporting too often',
    )
    const outcome = await store.reportMessage(room, id, user, reason)
    switch (outcome.kind) {
      case 'created':
      case 'duplicate': {
        const answer: ReportResponse = { report: outcome.report }
        return c.json(answer, outcome.kind === 'created' ? 201 : 200)
      }
      case 'own_message':
        throw new ApiError(
          400,
          'own_message',
          'You cannot report your own message. Edit or delete it instead.',
        )
      case 'not_found':
        throw new ApiError(404, 'message_not_found', 'There is no such message in this room.')
    }
  })
}

/**
 * `GET /rooms/:room/reports`: the messages the reader reported here; for a room owner also the
 * messages with open reports, and how many each. Mounted at `/rooms/:room/reports`, behind the
 * token.
 */
export function reportListRoutes({ store }: ChatDeps) {
  return new Hono<RoomEnv>().get('/', async (c) => {
    const { room, user, owner } = c.var
    const answer: RoomReports = await store.loadReports(room, user.id, owner)
    return c.json(answer)
  })
}

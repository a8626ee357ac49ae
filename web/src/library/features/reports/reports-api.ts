import {
  type ReportResponse,
  type RoomReports,
  reportResponseSchema,
  roomReportsSchema,
} from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'

/** What this user reported in the room; for an owner, the messages with open reports too. */
export function loadReports(api: Pick<RoomApi, 'route'>): Promise<RoomReports> {
  return api.route('/reports', roomReportsSchema, { method: 'GET' })
}

/**
 * Reports someone else's message to the room's owners and ops (again: the first report).
 *
 * @example await reportMessage(api, id, 'Spam')
 */
export function reportMessage(
  api: Pick<RoomApi, 'route'>,
  id: string,
  reason: string,
): Promise<ReportResponse> {
  const path = `/messages/${encodeURIComponent(id)}/reports`
  return api.route(path, reportResponseSchema, { method: 'POST', json: { reason } })
}

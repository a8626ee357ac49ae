// Issue 22, item 6: approval latency. In a room whose messages need approval, a member's message
// waits; the time from the owner's approve (the request leaving) to the message in another page's
// DOM, against the live delivery p99 measured in the same run (a message typed on one page, in
// another's DOM). Target: at most 1.5 times that p99.
import type { Browser } from 'playwright-core'
import {
  DEFAULT_ROOM_SETTINGS,
  newMessageId,
  type RoomSettings,
  storedMessageSchema,
} from '../functions/_shared/protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { type BenchContext, type Figure, info, overFloor, percentile, round } from './figures.ts'
import { DAILY_API_KEY, join, recordArrivals } from './pages.ts'

/** Approvals measured, one at a time. */
const APPROVALS = 60
/** Issue 22: the approval's p99 at most this many times the live p99 of the same run. */
const LIMIT = 1.5

/**
 * Issue 22, item 6: APPROVALS messages, each written by a member and approved by the owner while
 * a reader's page watches; each one's time from the approve request to the reader's DOM.
 */
export async function benchApproval(
  context: BenchContext,
  browser: Browser,
  appUrl: string,
  liveP99: number,
): Promise<Figure[]> {
  const room = `bench-approval-${Date.now()}`
  const api = `${appUrl}/functions/v1/chat/rooms/${room}`
  const tokens = createRoomTokens({ apiKey: DAILY_API_KEY, ttlSeconds: 3600 })
  const host = await tokens.mint(room, { id: 'bench-host', name: 'Host' }, { owner: true })
  const member = await tokens.mint(room, { id: 'bench-member', name: 'Member' })
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok) throw new Error(`approval: ${method} ${path} answered ${response.status}`)
    return response.json()
  }
  const settings: RoomSettings = { ...DEFAULT_ROOM_SETTINGS, messagesNeedApproval: true }
  await call(host.token, 'PUT', '/settings', settings)
  const reader = await join(browser, appUrl, room, 'Reader')
  try {
    await reader.page.evaluate(recordArrivals)
    const times: number[] = []
    for (let i = 1; i <= APPROVALS; i += 1) {
      const body = `approved ${i}`
      const written = storedMessageSchema.parse(
        await call(member.token, 'POST', '/messages', { id: newMessageId('bench-member'), body }),
      )
      if (!written.pending) throw new Error('approval: the message did not wait for approval')
      const approvedAt = performance.timeOrigin + performance.now()
      await call(host.token, 'POST', '/messages/review', { ids: [written.id], approve: true })
      const seenAt = await reader.page
        .waitForFunction((text) => window.__seenAt?.get(text), body, { timeout: 10_000 })
        .then((handle) => handle.jsonValue() as Promise<number>)
      times.push(seenAt - approvedAt)
    }
    const p50 = percentile(times, 50)
    const p99 = percentile(times, 99)
    context.log(
      `approval: ${APPROVALS} approvals, approve to another page's DOM p50 ${round(p50)} ms, p99 ${round(p99)} ms (live p99 ${round(liveP99)} ms)`,
    )
    return [
      info('approval: owner approves to the message in another page’s DOM, p50', round(p50), 'ms'),
      info('approval: owner approves to the message in another page’s DOM, p99', round(p99), 'ms'),
      overFloor('approval: approve-to-DOM p99 / live p99 of the same run', p99, liveP99, LIMIT),
    ]
  } finally {
    await reader.context.close()
  }
}

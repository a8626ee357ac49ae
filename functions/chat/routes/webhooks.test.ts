// Daily's webhooks as Daily and an attacker send them: only a delivery signed with the webhook's
// secret, and fresh, records anything; meeting.ended records the end of the room's call, which
// retention until the call ends counts its grace period from.
import { createHmac, randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom } from '../../../test/chat-harness.ts'

// Daily answers a webhook's secret (hmac) in base64, and signs with its decoded bytes.
const SECRET = randomBytes(32).toString('base64')

/** A delivery as Daily signs it: base64 HMAC-SHA256 of `<timestamp>.<body>`. */
function signed(body: string, { at = Date.now(), secret = SECRET } = {}) {
  const timestamp = String(Math.floor(at / 1000))
  const signature = createHmac('sha256', Buffer.from(secret, 'base64'))
    .update(`${timestamp}.${body}`)
    .digest('base64')
  return { 'X-Webhook-Timestamp': timestamp, 'X-Webhook-Signature': signature }
}

const meetingEnded = (room: string, endTs: number) =>
  JSON.stringify({
    version: '1.0.0',
    type: 'meeting.ended',
    id: `mtg-end-${room}`,
    payload: { start_ts: endTs - 600, end_ts: endTs, meeting_id: 'm-1', room },
    event_ts: endTs + 20,
  })

const meetingStarted = (room: string, startTs: number) =>
  JSON.stringify({
    version: '1.0.0',
    type: 'meeting.started',
    id: `mtg-start-${room}`,
    payload: { start_ts: startTs, meeting_id: 'm-2', room },
    event_ts: startTs,
  })

describe('POST /webhooks/daily', () => {
  const chat = createChatHarness({ dailyWebhookSecret: SECRET })
  afterAll(() => chat.close())

  const deliver = (body: string, headers: Record<string, string>) =>
    chat.call('POST', '/webhooks/daily', {
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    })
  const callEnd = async (room: string) => {
    const [row] = await chat.sql<{ ended_at: Date }[]>`
      select ended_at from chat.room_calls where room = ${room}`
    return row?.ended_at
  }

  it('records the end of the call of a signed, fresh meeting.ended, at its end_ts', async () => {
    const room = uniqueRoom('webhook')
    const endTs = Math.floor(Date.now() / 1000) - 25
    const body = meetingEnded(room, endTs)
    const response = await deliver(body, signed(body))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ recorded: 'call_end', room })
    expect(await callEnd(room)).toEqual(new Date(endTs * 1000))
  })

  it('a meeting.started after the end takes it back (the call resumed); an older end changes nothing', async () => {
    const room = uniqueRoom('webhook')
    const now = Math.floor(Date.now() / 1000)
    const ended = meetingEnded(room, now - 120)
    await deliver(ended, signed(ended))
    const older = meetingEnded(room, now - 600)
    expect((await deliver(older, signed(older))).status).toBe(200)
    expect(await callEnd(room)).toEqual(new Date((now - 120) * 1000))

    const started = meetingStarted(room, now - 60)
    const response = await deliver(started, signed(started))
    expect(await response.json()).toEqual({ recorded: 'call_start', room })
    expect(await callEnd(room)).toBeUndefined()
  })

  it('refuses a delivery without a signature, or signed with another secret (401, nothing recorded)', async () => {
    const room = uniqueRoom('webhook')
    const body = meetingEnded(room, Math.floor(Date.now() / 1000))
    await expectError(await deliver(body, {}), 401, 'webhook_signature_required')
    const forged = signed(body, { secret: randomBytes(32).toString('base64') })
    await expectError(await deliver(body, forged), 401, 'wrong_webhook_signature')
    // A signature of another body does not carry over to this one.
    const other = meetingEnded(uniqueRoom('webhook'), Math.floor(Date.now() / 1000))
    await expectError(await deliver(body, signed(other)), 401, 'wrong_webhook_signature')
    await expectError(
      await deliver(body, { ...signed(body), 'X-Webhook-Signature': 'not base64!' }),
      401,
      'wrong_webhook_signature',
    )
    expect(await callEnd(room)).toBeUndefined()
  })

  it('refuses a replayed delivery: a valid signature over a timestamp minutes old or ahead (401)', async () => {
    const room = uniqueRoom('webhook')
    const body = meetingEnded(room, Math.floor(Date.now() / 1000) - 600)
    const replayed = await deliver(body, signed(body, { at: Date.now() - 6 * 60_000 }))
    const error = await expectError(replayed, 401, 'webhook_too_old')
    expect(error.message).toMatch(/replayed/)
    await expectError(
      await deliver(body, signed(body, { at: Date.now() + 6 * 60_000 })),
      401,
      'webhook_too_old',
    )
    expect(await callEnd(room)).toBeUndefined()
  })

  it('refuses a signed body that is not a valid meeting event (400), ignores other events', async () => {
    for (const [body, code] of [
      ['not json', 'invalid_json'],
      ['{"payload":{}}', 'invalid_input'],
      ['{"type":"meeting.ended","payload":{"room":7,"end_ts":1}}', 'invalid_input'],
      ['{"type":"meeting.ended","payload":{"room":"daily-room"}}', 'invalid_input'],
    ] as const) {
      await expectError(await deliver(body, signed(body)), 400, code)
    }
    const joined = JSON.stringify({ type: 'participant.joined', payload: { room: 'r' } })
    const response = await deliver(joined, signed(joined))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ignored: 'participant.joined' })
    // A room no chat token can name (another app's on the same domain): acknowledged, not kept.
    const elsewhere = '{"type":"meeting.ended","payload":{"room":"a b.c","end_ts":1}}'
    const ignored = await deliver(elsewhere, signed(elsewhere))
    expect(ignored.status).toBe(200)
    expect(await ignored.json()).toEqual({
      ignored: 'meeting.ended',
      reason: 'not a chat room name',
    })
    const [calls] = await chat.sql`select count(*)::int as n from chat.room_calls
      where room = 'a b.c'`
    expect(calls?.n).toBe(0)
  })

  it("answers Daily's unsigned check when the webhook is created, recording nothing", async () => {
    for (const check of ['{"test":"test"}', '{"test":true}']) {
      expect((await deliver(check, {})).status).toBe(200)
    }
    // Anything else unsigned is refused.
    await expectError(
      await deliver('{"test":"test","type":"meeting.ended"}', {}),
      401,
      'webhook_signature_required',
    )
  })

  it('is off without a secret: 503 naming CHAT_DAILY_WEBHOOK_SECRET', async () => {
    const unconfigured = createChatHarness()
    try {
      const body = meetingEnded(uniqueRoom('webhook'), Math.floor(Date.now() / 1000))
      const response = await unconfigured.call('POST', '/webhooks/daily', {
        body,
        headers: { 'Content-Type': 'application/json', ...signed(body) },
      })
      const error = await expectError(response, 503, 'webhooks_not_configured')
      expect(error.message).toMatch(/CHAT_DAILY_WEBHOOK_SECRET/)
    } finally {
      await unconfigured.close()
    }
  })
})

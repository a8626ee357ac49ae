import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { roomNameSchema } from '../../_shared/protocol.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError, invalidInput } from '../errors.ts'

/**
 * How far a webhook's signed timestamp may be from now: an older delivery (a replay) or one from
 * the future is refused. A replay within it only repeats an end already recorded (the newest wins).
 */
const WEBHOOK_TOLERANCE_SECONDS = 300

/** Daily's meeting events, as far as retention reads them (Daily sends more fields). */
const meetingEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('meeting.ended'),
    payload: z.object({
      room: z.string({ error: 'payload.room is the name of the room.' }),
      end_ts: z.number({ error: 'payload.end_ts is a Unix time in seconds.' }).positive(),
    }),
  }),
  z.object({
    type: z.literal('meeting.started'),
    payload: z.object({
      room: z.string({ error: 'payload.room is the name of the room.' }),
      start_ts: z.number({ error: 'payload.start_ts is a Unix time in seconds.' }).positive(),
    }),
  }),
])

/** Any webhook event: its type decides whether retention reads it. */
const webhookEventSchema = z.object({ type: z.string({ error: 'type is the event type.' }) })

/**
 * `POST /webhooks/daily`: Daily's webhooks (configured with Daily's `POST /webhooks`), signed with
 * the secret Daily answered (`hmac`, set as CHAT_DAILY_WEBHOOK_SECRET). `meeting.ended` records
 * the end of the room's call (retention until the call ends counts its grace period from
 * `end_ts`); `meeting.started` records that a call started again. Other events are acknowledged
 * and ignored. 503 without the secret, 401 without a valid signature or with a timestamp more
 * than five minutes off, 400 for a body that is not such an event. Daily's unsigned check when a
 * webhook is created (`{"test":"test"}`, or `true`) gets a 200 that does nothing. Mounted at `/webhooks`,
 * outside `/rooms`.
 */
export function webhookRoutes({ config, store }: ChatDeps) {
  return new Hono().post('/daily', async (c) => {
    const secret = config.dailyWebhookSecret
    if (!secret) {
      throw new ApiError(
        503,
        'webhooks_not_configured',
        "Daily's webhooks are off: set CHAT_DAILY_WEBHOOK_SECRET on the chat function to the hmac secret Daily's POST /webhooks answered (docs/user-guide.md, Chat settings).",
      )
    }
    const text = await c.req.text()
    if (isCreationCheck(c, text)) return c.json({ ok: true })
    await requireDailySignature(c, secret, text)

    const event = parseJson(text)
    const typed = webhookEventSchema.safeParse(event)
    if (!typed.success) throw invalidInput(typed.error, 'This is not a Daily webhook event.')
    if (typed.data.type !== 'meeting.ended' && typed.data.type !== 'meeting.started') {
      return c.json({ ignored: typed.data.type })
    }
    const parsed = meetingEventSchema.safeParse(event)
    if (!parsed.success)
      throw invalidInput(parsed.error, `This ${typed.data.type} event is invalid.`)
    const meeting = parsed.data
    // Another app's room on the same Daily domain, which no chat token can name: acknowledged, so
    // that Daily (which turns off a webhook refused three times) keeps delivering the others.
    if (!roomNameSchema.safeParse(meeting.payload.room).success) {
      return c.json({ ignored: meeting.type, reason: 'not a chat room name' })
    }
    if (meeting.type === 'meeting.ended') {
      await store.recordCallEnd(meeting.payload.room, new Date(meeting.payload.end_ts * 1000))
      return c.json({ recorded: 'call_end', room: meeting.payload.room })
    }
    await store.recordCallStart(meeting.payload.room, new Date(meeting.payload.start_ts * 1000))
    return c.json({ recorded: 'call_start', room: meeting.payload.room })
  })
}

/** Daily checks a new webhook's endpoint with a test body, unsigned, and wants a 200. */
function isCreationCheck(c: Context, text: string): boolean {
  if (c.req.header('X-Webhook-Signature') !== undefined) return false
  try {
    const body = JSON.parse(text) as unknown
    // Seen as {"test":"test"} and as {"test":true}: either is the check, and carries nothing.
    return z.strictObject({ test: z.union([z.literal('test'), z.literal(true)]) }).safeParse(body)
      .success
  } catch {
    return false
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body must be a JSON webhook event.')
  }
}

const unauthorized = (code: string, message: string) => new ApiError(401, code, message)

/**
 * 401 unless the body carries Daily's signature: `X-Webhook-Signature` is the base64 HMAC-SHA256,
 * keyed with the base64-decoded secret, of `X-Webhook-Timestamp` (Unix seconds), a dot and the raw
 * body; and the timestamp is within WEBHOOK_TOLERANCE_SECONDS of now.
 */
async function requireDailySignature(c: Context, secret: string, body: string): Promise<void> {
  const timestamp = c.req.header('X-Webhook-Timestamp')
  const signature = c.req.header('X-Webhook-Signature')
  if (timestamp === undefined || signature === undefined) {
    throw unauthorized(
      'webhook_signature_required',
      'Daily signs its webhooks with X-Webhook-Signature and X-Webhook-Timestamp: this request has neither.',
    )
  }
  const signed = await hasSignature(secret, `${timestamp}.${body}`, signature)
  if (!signed) {
    throw unauthorized(
      'wrong_webhook_signature',
      'The signature does not match: check that CHAT_DAILY_WEBHOOK_SECRET is the hmac of this webhook.',
    )
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN
  if (!(Math.abs(Date.now() / 1000 - seconds) <= WEBHOOK_TOLERANCE_SECONDS)) {
    throw unauthorized(
      'webhook_too_old',
      `The webhook's timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS} s from now: a replayed or delayed delivery is refused.`,
    )
  }
}

/** Whether `signature` (base64) is the HMAC-SHA256 of `text` under the base64 `secret`. */
async function hasSignature(secret: string, text: string, signature: string): Promise<boolean> {
  const signatureBytes = fromBase64(signature)
  const keyBytes = fromBase64(secret)
  if (!signatureBytes || !keyBytes) return false
  const key = await crypto.subtle.importKey(
    'raw',
    keyBytes,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  )
  // verify compares in constant time.
  return crypto.subtle.verify('HMAC', key, signatureBytes, new TextEncoder().encode(text))
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return undefined
  const binary = atob(text.padEnd(text.length + ((4 - (text.length % 4)) % 4), '='))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}

import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { ChatDeps } from '../deps.ts'
import { ApiError, invalidInput } from '../errors.ts'

/** The body of `POST /upkeep`: empty, or a retention period to purge first. */
const upkeepRequestSchema = z.strictObject({
  retentionDays: z
    .int({ error: 'retentionDays is a whole number of days.' })
    .min(1, 'retentionDays is at least 1.')
    .max(36_500, 'retentionDays is at most 36500 (100 years).')
    .optional(),
})

/**
 * `POST /upkeep`: one upkeep pass (functions/chat/upkeep.ts), for the scheduler (pg_cron through
 * pg_net, see docs/operations.md) and nobody else: it asks for `Authorization: Bearer
 * <CHAT_UPKEEP_SECRET>`, never a room token. Body: empty or `{"retentionDays": 30}` to purge
 * expired messages first. 200 with what it did; 409 while another pass runs (this one does
 * nothing: the running pass does the work); 502 when storage refuses to remove files (they stay
 * queued for the next pass); 503 when the function has no upkeep secret; 401 for a missing or
 * wrong secret. Mounted at `/upkeep`, outside `/rooms`.
 */
export function upkeepRoutes({ upkeep }: ChatDeps) {
  return new Hono().post('/', async (c) => {
    if (!upkeep?.secret) {
      throw new ApiError(
        503,
        'upkeep_not_configured',
        'Upkeep is off: set the secret CHAT_UPKEEP_SECRET (at least 32 characters) on the chat function, and store the same value in Vault for the schedule (docs/operations.md).',
      )
    }
    await requireUpkeepSecret(c, upkeep.secret)
    const { retentionDays } = await upkeepRequest(c)
    const outcome = await upkeep.runPass({ retentionDays })
    switch (outcome.kind) {
      case 'done':
        return c.json(outcome.summary)
      case 'already_running':
        throw new ApiError(
          409,
          'upkeep_already_running',
          'An upkeep pass is already running, so this one did nothing: the running pass does the work.',
          { headers: { 'Retry-After': '60' } },
        )
      case 'storage_failed':
        throw new ApiError(
          502,
          'storage_failed',
          `Storage did not remove ${outcome.summary.filesLeft} queued files (${outcome.reason}); they stay queued and the next pass tries them again.`,
        )
    }
  })
}

const unauthorized = (code: string, message: string) =>
  new ApiError(401, code, message, { headers: { 'WWW-Authenticate': 'Bearer realm="upkeep"' } })

/** 401 unless the request carries `Authorization: Bearer <secret>`. */
async function requireUpkeepSecret(c: Context, secret: string): Promise<void> {
  const presented = /^Bearer +(\S+) *$/i.exec(c.req.header('Authorization') ?? '')?.[1]
  if (presented === undefined) {
    throw unauthorized(
      'upkeep_secret_required',
      'Send the upkeep secret as Authorization: Bearer <CHAT_UPKEEP_SECRET>.',
    )
  }
  if (!(await sameSecret(presented, secret))) {
    throw unauthorized('wrong_upkeep_secret', 'That is not the upkeep secret.')
  }
}

/**
 * Whether two secrets are equal, in time that depends on neither: both are hashed (SHA-256, so
 * equal lengths whatever was sent) and every byte of the hashes is compared.
 */
async function sameSecret(presented: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder()
  const [left, right] = await Promise.all(
    [presented, expected].map(
      async (text) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))),
    ),
  )
  let difference = 0
  for (let index = 0; index < 32; index++)
    difference |= (left?.[index] ?? 0) ^ (right?.[index] ?? 0)
  return difference === 0
}

/** The request body: empty, or JSON fitting upkeepRequestSchema. */
async function upkeepRequest(c: Context): Promise<z.output<typeof upkeepRequestSchema>> {
  const text = await c.req.text()
  if (text.trim() === '') return {}
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body must be empty or valid JSON.')
  }
  const parsed = upkeepRequestSchema.safeParse(body)
  if (!parsed.success) throw invalidInput(parsed.error)
  return parsed.data
}

// `npm run verify:deploy`: checks a deployed chat function the way a person would after a deploy
// (docs/deploy.md): it answers /health, a token made by your own backend (signed here with
// DAILY_API_KEY, as your backend signs them) writes a message and reads it back, rooms are closed to
// self-service tokens, CORS allows your origin and no other, and the upkeep route wants its secret.
// The message it writes is deleted again. Exit code 0 when every required check passed.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { newMessageId } from '../functions/_shared/protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'

/** How long each request may take before the check fails (a cold function may take a few s). */
const REQUEST_TIMEOUT_MS = 20_000
const CHECK_USER = { id: 'backchannel-deploy-check', name: 'Deploy check' }

export interface VerifyOptions {
  /** The function's base URL, e.g. https://<project-ref>.supabase.co/functions/v1/chat */
  functionUrl: string
  /** The Daily API key the function verifies tokens with (DAILY_API_KEY). */
  dailyApiKey: string
  /** Where the web app is served: CORS must allow it (and not another origin). */
  origin?: string
  /** The room the check writes in; its message is deleted again. */
  room: string
  fetch?: typeof fetch
}

export interface CheckResult {
  name: string
  ok: boolean
  /** Required checks fail the run; the others are advice (e.g. open rooms in production). */
  required: boolean
  detail: string
}

const optionsSchema = z.object({
  functionUrl: z
    .url({
      message: 'Give --url the function URL, e.g. https://<ref>.supabase.co/functions/v1/chat',
    })
    .transform((url) => url.replace(/\/+$/, '')),
  dailyApiKey: z
    .string({ message: 'Set DAILY_API_KEY to the key the function has (supabase secrets list).' })
    .min(1, 'Set DAILY_API_KEY to the key the function has (supabase secrets list).'),
  origin: z
    .url({ message: 'Give --origin as an origin, e.g. https://chat.example.com' })
    .optional(),
  room: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'Room names use letters, digits, "-" and "_".')
    .default('backchannel-deploy-check'),
})

/** Runs every check against the deployed function and returns what each found, in order. */
export async function verifyDeploy(input: VerifyOptions): Promise<CheckResult[]> {
  const options = optionsSchema.parse(input)
  const fetchImpl = input.fetch ?? fetch
  const results: CheckResult[] = []
  const check = (name: string, ok: boolean, detail: string, required = true) => {
    results.push({ name, ok, required, detail })
    return ok
  }
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetchImpl(`${options.functionUrl}${path}`, {
      ...init,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  }
  const said = (answer: { status: number; text: string }) =>
    `${answer.status} ${answer.text.slice(0, 200)}`

  const health = await call('/health').catch((error: unknown) => ({
    status: 0,
    headers: new Headers(),
    text: String(error),
    json: undefined,
  }))
  if (
    !check(
      'health',
      health.status === 200,
      health.status === 200
        ? 'the function answers and reaches its database'
        : `GET /health: ${said(health)} (is the function deployed, and its database up?)`,
    )
  ) {
    return results
  }

  const { token } = await createRoomTokens({
    apiKey: options.dailyApiKey,
    ttlSeconds: 600,
  }).mint(options.room, CHECK_USER)
  const auth = { Authorization: `Bearer ${token}` }
  const roomPath = `/rooms/${options.room}`
  const id = newMessageId(CHECK_USER.id)
  const body = `Deploy check ${new Date().toISOString()}`
  const written = await call(`${roomPath}/messages`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id, body }),
  })
  const wrote = check(
    'write',
    written.status === 201,
    written.status === 201
      ? 'a token signed with DAILY_API_KEY wrote a message'
      : `POST ${roomPath}/messages: ${said(written)}${
          written.status === 401 ? ' (the function has another DAILY_API_KEY than this one)' : ''
        }`,
  )
  if (wrote) {
    const read = await call(`${roomPath}/messages?limit=5`, { headers: auth })
    const page = z
      .object({ messages: z.array(z.object({ id: z.string(), body: z.string() })) })
      .safeParse(read.json)
    const found = page.success && page.data.messages.some((message) => message.id === id)
    check(
      'read',
      found,
      found ? 'the message came back in the history' : `GET ${roomPath}/messages: ${said(read)}`,
    )
    const deleted = await call(`${roomPath}/messages/${id}`, { method: 'DELETE', headers: auth })
    check(
      'clean up',
      deleted.status === 204,
      deleted.status === 204
        ? 'the check message was deleted again'
        : `DELETE ${roomPath}/messages/${id}: ${said(deleted)}`,
      false,
    )
  }

  const selfService = await call(`${roomPath}/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userName: 'Stranger' }),
  })
  check(
    'closed rooms',
    selfService.status === 403,
    selfService.status === 403
      ? 'anyone cannot get a token from the function (CHAT_OPEN_ROOMS=false)'
      : `POST ${roomPath}/tokens answered ${selfService.status}: anyone with the URL can join any room. Set CHAT_OPEN_ROOMS=false.`,
  )

  const preflight = (origin: string) =>
    call(`${roomPath}/messages`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    })
  const foreign = await preflight('https://backchannel-deploy-check.invalid')
  const foreignAllowed = foreign.headers.get('Access-Control-Allow-Origin')
  check(
    'CORS: other origins',
    foreignAllowed === null,
    foreignAllowed === null
      ? 'pages of other sites cannot call the function from a browser'
      : `a page on another site is allowed (Access-Control-Allow-Origin: ${foreignAllowed}). Set CHAT_ALLOWED_ORIGINS to your app's origin.`,
  )
  if (options.origin) {
    const origin = new URL(options.origin).origin
    const ours = await preflight(origin)
    const allowed = ours.headers.get('Access-Control-Allow-Origin')
    check(
      'CORS: your origin',
      allowed === origin,
      allowed === origin
        ? `${origin} may call the function`
        : `${origin} is not allowed (got ${allowed ?? 'no Access-Control-Allow-Origin'}): add it to CHAT_ALLOWED_ORIGINS.`,
    )
  }

  const upkeep = await call('/upkeep', { method: 'POST' })
  check(
    'upkeep route',
    upkeep.status === 401,
    upkeep.status === 401
      ? 'the upkeep route is configured and refuses calls without its secret'
      : upkeep.status === 503
        ? 'CHAT_UPKEEP_SECRET is not set: files of purged messages stay in Storage (docs/operations.md#upkeep).'
        : `POST /upkeep without the secret answered ${said(upkeep)}`,
  )
  return results
}

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      origin: { type: 'string' },
      room: { type: 'string' },
    },
  })
  const results = await verifyDeploy({
    functionUrl: values.url ?? process.env.CHAT_FUNCTION_URL ?? '',
    dailyApiKey: process.env.DAILY_API_KEY ?? '',
    origin: values.origin ?? process.env.CHAT_APP_ORIGIN,
    room: values.room ?? 'backchannel-deploy-check',
  })
  for (const result of results) {
    const mark = result.ok ? 'ok  ' : result.required ? 'FAIL' : 'warn'
    console.log(`${mark} ${result.name}: ${result.detail}`)
  }
  const failed = results.some((result) => !result.ok && result.required)
  console.log(failed ? '\nThe deploy is not ready.' : '\nThe deploy is ready.')
  process.exitCode = failed ? 1 : 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(
      error instanceof z.ZodError ? error.issues.map((i) => i.message).join('\n') : error,
    )
    process.exitCode = 1
  })
}

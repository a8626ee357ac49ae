import { z } from 'zod'
import { DEFAULT_MEDIA_MAX_BYTES } from '../_shared/protocol.ts'

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'Use true or false.' })
    .transform((value) => value === 'true' || value === '1')
    .default(fallback)

/** How long one database query (connecting included) may take before the function answers 503. */
export const DEFAULT_DB_TIMEOUT_MS = 5_000
/** How long a request body may take to arrive in full before the function answers 400. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000

const positiveInt = (fallback: number) =>
  z.coerce.number({ error: 'Use a whole number.' }).int().positive().default(fallback)

/** A quota as `COUNT/SECONDS`, e.g. `30/60`: at most 30 times in 60 seconds. */
const quota = (fallback: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,5}\/[1-9]\d{0,6}$/, 'Use COUNT/SECONDS, e.g. 30/60.')
    .default(fallback)
    .transform((value) => {
      const [count, seconds] = value.split('/').map(Number) as [number, number]
      return { count, windowSeconds: seconds }
    })

const configSchema = z
  .object({
    DAILY_API_KEY: z
      .string({ error: 'Set DAILY_API_KEY: it signs and verifies the room tokens.' })
      .min(16, 'DAILY_API_KEY is too short to be a signing key (at least 16 characters).'),
    DAILY_DOMAIN_ID: z.string().min(1).optional(),
    SUPABASE_DB_URL: z.string().min(1).optional(),
    DATABASE_URL: z.string().min(1).optional(),
    CHAT_DB_POOL_MAX: positiveInt(4),
    CHAT_DB_TIMEOUT_MS: positiveInt(DEFAULT_DB_TIMEOUT_MS),
    CHAT_BODY_TIMEOUT_MS: positiveInt(DEFAULT_BODY_TIMEOUT_MS),
    CHAT_OPEN_ROOMS: flag(true),
    CHAT_TOKEN_TTL_SECONDS: positiveInt(4 * 60 * 60),
    CHAT_RATE_LIMIT: positiveInt(20),
    CHAT_RATE_WINDOW_SECONDS: positiveInt(10),
    CHAT_ALLOWED_ORIGINS: z.string().default('*'),
    CHAT_UPLOAD_QUOTA: quota('30/60'),
    CHAT_EDIT_QUOTA: quota('30/60'),
    CHAT_TOKEN_QUOTA: quota('20/60'),
    CHAT_TRANSCRIPT_QUOTA: quota('5/300'),
    CHAT_REACTION_QUOTA: quota('60/60'),
    CHAT_REPORT_QUOTA: quota('10/3600'),
    CHAT_SETTINGS_QUOTA: quota('30/60'),
    CHAT_PIN_QUOTA: quota('60/60'),
    CHAT_POLL_VOTE_QUOTA: quota('60/60'),
    CHAT_PROXY_HOPS: z.coerce
      .number({ error: 'Use a whole number of proxies (0 when clients connect directly).' })
      .int()
      .min(0)
      .max(5)
      .default(0),
    MEDIA_MAX_BYTES: positiveInt(DEFAULT_MEDIA_MAX_BYTES),
    CHAT_MEDIA_URL_TTL_SECONDS: positiveInt(60 * 60),
    CHAT_UPKEEP_SECRET: z
      .string()
      .min(
        32,
        'CHAT_UPKEEP_SECRET is too short to guard upkeep: at least 32 characters (e.g. openssl rand -hex 32).',
      )
      .optional(),
    SUPABASE_URL: z.url().optional(),
    SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  })
  .refine((env) => env.SUPABASE_DB_URL ?? env.DATABASE_URL, {
    message: 'Set SUPABASE_DB_URL or DATABASE_URL to the Postgres connection string.',
    path: ['DATABASE_URL'],
  })
  .transform((env) => ({
    dailyApiKey: env.DAILY_API_KEY,
    dailyDomainId: env.DAILY_DOMAIN_ID,
    databaseUrl: (env.SUPABASE_DB_URL ?? env.DATABASE_URL) as string,
    databasePoolMax: env.CHAT_DB_POOL_MAX,
    databaseTimeoutMs: env.CHAT_DB_TIMEOUT_MS,
    bodyTimeoutMs: env.CHAT_BODY_TIMEOUT_MS,
    openRooms: env.CHAT_OPEN_ROOMS,
    tokenTtlSeconds: env.CHAT_TOKEN_TTL_SECONDS,
    rateLimit: { messages: env.CHAT_RATE_LIMIT, windowSeconds: env.CHAT_RATE_WINDOW_SECONDS },
    allowedOrigins: env.CHAT_ALLOWED_ORIGINS.split(',').map((origin) => origin.trim()),
    quotas: {
      upload: env.CHAT_UPLOAD_QUOTA,
      edit: env.CHAT_EDIT_QUOTA,
      token: env.CHAT_TOKEN_QUOTA,
      transcript: env.CHAT_TRANSCRIPT_QUOTA,
      reaction: env.CHAT_REACTION_QUOTA,
      report: env.CHAT_REPORT_QUOTA,
      settings: env.CHAT_SETTINGS_QUOTA,
      pin: env.CHAT_PIN_QUOTA,
      pollVote: env.CHAT_POLL_VOTE_QUOTA,
    },
    proxyHops: env.CHAT_PROXY_HOPS,
    mediaMaxBytes: env.MEDIA_MAX_BYTES,
    mediaUrlTtlSeconds: env.CHAT_MEDIA_URL_TTL_SECONDS,
    upkeepSecret: env.CHAT_UPKEEP_SECRET,
    supabase:
      env.SUPABASE_URL && env.SUPABASE_SERVICE_ROLE_KEY
        ? { url: env.SUPABASE_URL, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY }
        : undefined,
  }))

export type ChatConfig = z.infer<typeof configSchema>

/** Reads the function's configuration from environment variables, failing with every problem. */
export function loadChatConfig(env: Record<string, string | undefined>): ChatConfig {
  const nonEmpty = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''))
  const parsed = configSchema.safeParse(nonEmpty)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
    )
    throw new Error(`The chat function is misconfigured:\n${problems.join('\n')}`)
  }
  return parsed.data
}

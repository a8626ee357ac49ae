import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
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

/** What Supabase's secret keys start with (its publishable keys start with `sb_publishable_`). */
const SECRET_KEY_PREFIX = 'sb_secret_'
const SECRET_KEYS_SHAPE = 'a JSON object of named secret keys, e.g. {"default":"sb_secret_…"}'

/**
 * `SUPABASE_SECRET_KEYS`, the JSON object of named secret keys Supabase sets inside Edge Functions:
 * the key named `default`, else the first. Every message names what is wrong and never repeats a
 * value of the variable (JSON.parse's own message would quote it), so none reaches a log.
 */
const secretKeys = z.string().transform((text, ctx) => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message })
    return z.NEVER
  }
  let keys: unknown
  try {
    keys = JSON.parse(text)
  } catch {
    return fail(`SUPABASE_SECRET_KEYS is not valid JSON: give ${SECRET_KEYS_SHAPE}.`)
  }
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    return fail(`SUPABASE_SECRET_KEYS is not a JSON object: give ${SECRET_KEYS_SHAPE}.`)
  }
  const entries = Object.entries(keys)
  if (entries.length === 0)
    return fail(`SUPABASE_SECRET_KEYS names no key: give ${SECRET_KEYS_SHAPE}.`)
  if (entries.some(([, value]) => typeof value !== 'string' || value === '')) {
    return fail(`SUPABASE_SECRET_KEYS has a value that is not a key: give ${SECRET_KEYS_SHAPE}.`)
  }
  const [name, key] = (entries.find(([name]) => name === 'default') ?? entries[0]) as [
    string,
    string,
  ]
  // Named only when the name cannot be a pasted key.
  const which =
    name === 'default'
      ? 'SUPABASE_SECRET_KEYS\'s "default" key'
      : 'SUPABASE_SECRET_KEYS\'s first key (there is no "default")'
  if (!key.startsWith(SECRET_KEY_PREFIX)) {
    return fail(`${which} is not a secret key: secret keys start with ${SECRET_KEY_PREFIX}.`)
  }
  return key
})

/** The legacy service_role key (a JWT); a publishable key in its place could not read the bucket. */
const serviceRoleKey = z.string().refine((key) => !key.startsWith('sb_publishable_'), {
  message:
    'SUPABASE_SERVICE_ROLE_KEY holds a publishable key, which cannot reach the private bucket: give the service_role key, or a secret key in SUPABASE_SECRET_KEYS.',
})

const NO_STORAGE_KEY =
  'Supabase Storage needs a key that may use the private bucket: set SUPABASE_SECRET_KEYS (e.g. {"default":"sb_secret_…"}) or the legacy SUPABASE_SERVICE_ROLE_KEY.'

const configSchema = z
  .object({
    DAILY_API_KEY: z
      .string({ error: 'Set DAILY_API_KEY: it signs and verifies the room tokens.' })
      .min(16, 'DAILY_API_KEY is too short to be a signing key (at least 16 characters).'),
    DAILY_DOMAIN_ID: z.string().min(1).optional(),
    // Where the function sends what it says live itself (Q&A): Daily's REST API.
    DAILY_API_URL: z
      .url({
        error: "DAILY_API_URL is the base URL of Daily's REST API, e.g. https://api.daily.co/v1.",
      })
      .default('https://api.daily.co/v1'),
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
    CHAT_QUESTION_QUOTA: quota('10/600'),
    CHAT_QUESTION_VOTE_QUOTA: quota('60/60'),
    CHAT_QUESTION_MODERATION_QUOTA: quota('120/60'),
    CHAT_MESSAGE_REVIEW_QUOTA: quota('120/60'),
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
    // Daily's webhook secret (its `hmac`), base64 as Daily gives it; unset, POST /webhooks/daily is off.
    CHAT_DAILY_WEBHOOK_SECRET: z
      .string()
      .regex(
        /^[A-Za-z0-9+/]{16,}={0,2}$/,
        "CHAT_DAILY_WEBHOOK_SECRET is not Daily's webhook secret: give the base64 hmac that Daily's POST /webhooks answered.",
      )
      .optional(),
    // The project's retention, as the upkeep purges it: rooms on the default show it.
    CHAT_RETENTION_DAYS: z.coerce
      .number({ error: 'Use a whole number of days, at least 1.' })
      .int('Use a whole number of days, at least 1.')
      .min(1, 'Use a whole number of days, at least 1.')
      .max(36_500, 'At most 36500 days.')
      .default(30),
    SUPABASE_URL: z.url().optional(),
    SUPABASE_SECRET_KEYS: secretKeys.optional(),
    SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey.optional(),
    CHAT_LOG_SALT: z
      .string()
      .min(16, 'CHAT_LOG_SALT is too short to hide user ids (at least 16 characters).')
      .optional(),
  })
  .refine((env) => env.SUPABASE_DB_URL ?? env.DATABASE_URL, {
    message: 'Set SUPABASE_DB_URL or DATABASE_URL to the Postgres connection string.',
    path: ['DATABASE_URL'],
  })
  // Half a Storage configuration is refused, not taken for none (files on local disk).
  .refine((env) => !env.SUPABASE_URL || env.SUPABASE_SECRET_KEYS || env.SUPABASE_SERVICE_ROLE_KEY, {
    message: `SUPABASE_URL is set, so shared files go to Supabase Storage. ${NO_STORAGE_KEY}`,
    path: ['SUPABASE_SECRET_KEYS'],
  })
  .refine(
    (env) => env.SUPABASE_URL || !(env.SUPABASE_SECRET_KEYS || env.SUPABASE_SERVICE_ROLE_KEY),
    {
      message: 'A Storage key is set without SUPABASE_URL: set it to the project URL.',
      path: ['SUPABASE_URL'],
    },
  )
  .transform((env) => ({
    dailyApiKey: env.DAILY_API_KEY,
    dailyDomainId: env.DAILY_DOMAIN_ID,
    dailyApiUrl: env.DAILY_API_URL,
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
      question: env.CHAT_QUESTION_QUOTA,
      questionVote: env.CHAT_QUESTION_VOTE_QUOTA,
      questionModeration: env.CHAT_QUESTION_MODERATION_QUOTA,
      messageReview: env.CHAT_MESSAGE_REVIEW_QUOTA,
    },
    proxyHops: env.CHAT_PROXY_HOPS,
    mediaMaxBytes: env.MEDIA_MAX_BYTES,
    mediaUrlTtlSeconds: env.CHAT_MEDIA_URL_TTL_SECONDS,
    upkeepSecret: env.CHAT_UPKEEP_SECRET,
    dailyWebhookSecret: env.CHAT_DAILY_WEBHOOK_SECRET,
    defaultRetentionDays: env.CHAT_RETENTION_DAYS,
    supabase: supabaseStorage(env),
    logSalt: env.CHAT_LOG_SALT ?? derivedLogSalt(env.DAILY_API_KEY),
  }))

/** Supabase Storage's address and the key to use it with, when configured. */
export interface SupabaseStorageConfig {
  url: string
  /** A secret key (`sb_secret_…`) or the legacy service_role JWT: supabase-js sends either. */
  apiKey: string
  /** Where the key came from: the new secret keys win over the legacy one. */
  apiKeyFrom: 'SUPABASE_SECRET_KEYS' | 'SUPABASE_SERVICE_ROLE_KEY'
}

function supabaseStorage(env: {
  SUPABASE_URL?: string
  SUPABASE_SECRET_KEYS?: string
  SUPABASE_SERVICE_ROLE_KEY?: string
}): SupabaseStorageConfig | undefined {
  if (!env.SUPABASE_URL) return undefined
  if (env.SUPABASE_SECRET_KEYS) {
    return {
      url: env.SUPABASE_URL,
      apiKey: env.SUPABASE_SECRET_KEYS,
      apiKeyFrom: 'SUPABASE_SECRET_KEYS',
    }
  }
  if (env.SUPABASE_SERVICE_ROLE_KEY) {
    return {
      url: env.SUPABASE_URL,
      apiKey: env.SUPABASE_SERVICE_ROLE_KEY,
      apiKeyFrom: 'SUPABASE_SERVICE_ROLE_KEY',
    }
  }
  return undefined
}

/**
 * The salt of the user-id hashes in the request log when CHAT_LOG_SALT is not set: derived one-way
 * from the deployment's own secret, so it is the same in every instance of one deployment, differs
 * between deployments, and the log reveals neither the key nor, without it, whose hash is whose.
 */
function derivedLogSalt(dailyApiKey: string): string {
  return bytesToHex(hmac(sha256, utf8ToBytes(dailyApiKey), utf8ToBytes('backchannel request log')))
}

export type ChatConfig = z.infer<typeof configSchema>

/**
 * Storage as the deployed function must have it: refused at start, naming both kinds of key, when
 * it is not configured (the function has no other place for shared files).
 */
export function requireSupabaseStorage(
  config: Pick<ChatConfig, 'supabase'>,
): SupabaseStorageConfig {
  if (config.supabase) return config.supabase
  throw new Error(
    `The chat function is misconfigured: shared files live in Supabase Storage. Set SUPABASE_URL and SUPABASE_SECRET_KEYS (or the legacy SUPABASE_SERVICE_ROLE_KEY); Supabase sets them inside Edge Functions.`,
  )
}

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

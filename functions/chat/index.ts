// Entry point as Supabase deploys it: Deno, with deno.json beside this file as the import map.
import { createChatApp } from './app.ts'
import { loadChatConfig } from './config.ts'
import { createPostgresMessageStore } from './postgres-message-store.ts'
import { createSupabaseMediaStore } from './supabase-media-store.ts'
import { createRoomTokens } from './tokens.ts'

const config = loadChatConfig(Deno.env.toObject())
if (!config.supabase) {
  // Supabase sets both inside Edge Functions; elsewhere they must be given.
  throw new Error('Set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: shared files live in Storage.')
}

const app = createChatApp({
  config,
  store: createPostgresMessageStore(config.databaseUrl, { poolMax: config.databasePoolMax }),
  media: createSupabaseMediaStore(config.supabase),
  tokens: createRoomTokens({
    apiKey: config.dailyApiKey,
    domainId: config.dailyDomainId,
    ttlSeconds: config.tokenTtlSeconds,
  }),
})

Deno.serve(app.fetch)

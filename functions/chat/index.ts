// Entry point as Supabase deploys it: Deno, with deno.json beside this file as the import map.
import { createChatApp } from './app.ts'
import { loadChatConfig } from './config.ts'
import { createPostgresMessageStore } from './postgres-message-store.ts'
import { createRoomTokens } from './tokens.ts'

const config = loadChatConfig(Deno.env.toObject())

const app = createChatApp({
  config,
  store: createPostgresMessageStore(config.databaseUrl, { poolMax: config.databasePoolMax }),
  tokens: createRoomTokens({
    apiKey: config.dailyApiKey,
    domainId: config.dailyDomainId,
    ttlSeconds: config.tokenTtlSeconds,
  }),
})

Deno.serve(app.fetch)

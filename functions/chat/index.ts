// Entry point as Supabase deploys it: Deno, with deno.json beside this file as the import map.
import { createChatApp } from './app.ts'
import { loadChatConfig, requireSupabaseStorage } from './config.ts'
import { createChatDeps } from './create-chat-deps.ts'
import { jsonLineLog } from './request-log.ts'
import { createSupabaseMediaStore } from './supabase-media-store.ts'

// Supabase's gateway stands in front of every Edge Function and appends the caller's address to
// X-Forwarded-For: one trusted proxy, unless configured otherwise.
const config = loadChatConfig({ CHAT_PROXY_HOPS: '1', ...Deno.env.toObject() })
// Supabase sets the URL and the keys inside Edge Functions; elsewhere they must be given.
const storage = requireSupabaseStorage(config)
// One line at start says which kind of key is in use (never the key).
console.log(JSON.stringify({ event: 'start', storageKeyFrom: storage.apiKeyFrom }))

const app = createChatApp(
  createChatDeps(config, {
    media: createSupabaseMediaStore(storage),
    log: jsonLineLog(),
    // Deno.serve hands Hono the connection info as the request's env.
    peerAddress: (c) =>
      (c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr?.hostname,
  }),
)

Deno.serve(app.fetch)

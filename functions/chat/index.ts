// Entry point as Supabase deploys it: Deno, with deno.json beside this file as the import map.
import { createChatApp } from './app.ts'
import { loadChatConfig } from './config.ts'
import { createChatDeps } from './create-chat-deps.ts'
import { createSupabaseMediaStore } from './supabase-media-store.ts'

// Supabase's gateway stands in front of every Edge Function and appends the caller's address to
// X-Forwarded-For: one trusted proxy, unless configured otherwise.
const config = loadChatConfig({ CHAT_PROXY_HOPS: '1', ...Deno.env.toObject() })
if (!config.supabase) {
  // Supabase sets both inside Edge Functions; elsewhere they must be given.
  throw new Error('Set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: shared files live in Storage.')
}

const app = createChatApp(
  createChatDeps(config, {
    media: createSupabaseMediaStore(config.supabase),
    // Deno.serve hands Hono the connection info as the request's env.
    peerAddress: (c) =>
      (c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined)?.remoteAddr?.hostname,
  }),
)

Deno.serve(app.fetch)

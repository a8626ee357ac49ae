import { Hono } from 'hono'
import { cors } from 'hono/cors'
import type { ChatConfig } from './config.ts'
import { ApiError, renderError } from './errors.ts'
import type { MediaStore } from './media-store.ts'
import type { MessageStore } from './message-store.ts'
import { changeRoutes } from './routes/changes.ts'
import { healthRoutes } from './routes/health.ts'
import { messageRoutes } from './routes/messages.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { transcriptRoutes } from './routes/transcript.ts'
import { uploadRoutes } from './routes/uploads.ts'
import type { RoomTokens } from './tokens.ts'

export interface ChatDeps {
  config: Pick<
    ChatConfig,
    'openRooms' | 'rateLimit' | 'allowedOrigins' | 'mediaMaxBytes' | 'mediaUrlTtlSeconds'
  >
  store: MessageStore
  media: MediaStore
  tokens: RoomTokens
}

/**
 * The chat function as a Hono app under `/chat` (Supabase serves it at `/functions/v1/chat`).
 *
 * @example Deno.serve(createChatApp({ config, store, tokens }).fetch)
 */
export function createChatApp(deps: ChatDeps): Hono {
  const { allowedOrigins } = deps.config
  const app = new Hono().basePath('/chat')

  const corsHeaders = cors({
    origin: allowedOrigins.includes('*') ? '*' : allowedOrigins,
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['Retry-After', 'Content-Disposition'],
    maxAge: 600,
  })
  // Preflights are answered by cors itself. Other requests get the headers once their response
  // (success or error) exists: set before it, they would make Hono rebuild every response, which
  // on Node means a full web Response with a body stream per request.
  app.use(async (c, next) => {
    if (c.req.method === 'OPTIONS') return corsHeaders(c, next)
    await next()
    await corsHeaders(c, async () => {})
  })
  app.route('/', healthRoutes(deps))
  app.route('/', tokenRoutes(deps))
  app.route('/', messageRoutes(deps))
  app.route('/', uploadRoutes(deps))
  app.route('/', changeRoutes(deps))
  app.route('/', transcriptRoutes(deps))

  // Answered, not thrown: a throw here would pass the middleware above and miss its CORS headers.
  app.notFound((c) =>
    renderError(new ApiError(404, 'not_found', 'There is nothing at this address.'), c),
  )
  app.onError(renderError)
  return app
}

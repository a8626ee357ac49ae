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

  app.use(
    cors({
      origin: allowedOrigins.includes('*') ? '*' : allowedOrigins,
      allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: ['Retry-After', 'Content-Disposition'],
      maxAge: 600,
    }),
  )
  app.route('/', healthRoutes(deps))
  app.route('/', tokenRoutes(deps))
  app.route('/', messageRoutes(deps))
  app.route('/', uploadRoutes(deps))
  app.route('/', changeRoutes(deps))
  app.route('/', transcriptRoutes(deps))

  app.notFound(() => {
    throw new ApiError(404, 'not_found', 'There is nothing at this address.')
  })
  app.onError(renderError)
  return app
}

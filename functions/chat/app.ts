import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { MAX_REQUEST_BYTES } from '../_shared/protocol.ts'
import { type RoomEnv, requireRoomToken } from './auth.ts'
import { DEFAULT_BODY_TIMEOUT_MS } from './config.ts'
import type { ChatDeps } from './deps.ts'
import { ApiError, renderError } from './errors.ts'
import { boundedBody } from './request.ts'
import { requestLog } from './request-log.ts'
import { approvalRoutes } from './routes/approval.ts'
import { attachmentRoutes } from './routes/attachments.ts'
import { changeRoutes } from './routes/changes.ts'
import { healthRoutes } from './routes/health.ts'
import { messageRoutes } from './routes/messages.ts'
import { pinListRoutes, pinRoutes } from './routes/pins.ts'
import { pollRoutes } from './routes/polls.ts'
import { questionRoutes } from './routes/questions.ts'
import { reactionRoutes } from './routes/reactions.ts'
import { reportListRoutes, reportRoutes } from './routes/reports.ts'
import { searchRoutes } from './routes/search.ts'
import { settingsRoutes } from './routes/settings.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { transcriptRoutes } from './routes/transcript.ts'
import { upkeepRoutes } from './routes/upkeep.ts'
import { uploadRoutes } from './routes/uploads.ts'
import { webhookRoutes } from './routes/webhooks.ts'
import { refuseUnroutable } from './unknown-routes.ts'

/** The function's name, which starts every path Supabase hands it. */
const BASE_PATH = '/chat'

/**
 * The chat function as a Hono app under `/chat` (Supabase serves it at `/functions/v1/chat`).
 *
 * @example Deno.serve(createChatApp(createChatDeps(config, { media })).fetch)
 */
export function createChatApp(deps: ChatDeps): Hono {
  const { allowedOrigins } = deps.config
  const app = new Hono().basePath(BASE_PATH)

  const corsHeaders = cors({
    origin: allowedOrigins.includes('*') ? '*' : allowedOrigins,
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposeHeaders: ['Retry-After', 'Content-Disposition', 'X-Request-Id'],
    maxAge: 600,
  })
  // First: it times the whole request and sees its final answer, and every error carries its id.
  app.use(requestLog({ log: deps.log, basePath: BASE_PATH, userSalt: deps.config.logSalt }))
  // Preflights are answered by cors itself. Other requests get the headers once their response
  // (success or error) exists: set before it, they would make Hono rebuild every response, which
  // on Node means a full web Response with a body stream per request.
  app.use(async (c, next) => {
    if (c.req.method === 'OPTIONS') return corsHeaders(c, next)
    await next()
    await corsHeaders(c, async () => {})
    // Deployed, nothing in front of the function adds it: no answer is ever read as another type.
    c.res.headers.set('X-Content-Type-Options', 'nosniff')
  })
  // Before any route middleware: no token is asked for at an address that does not exist, and
  // no route reads a body that was not bounded first.
  app.use(refuseUnroutable(app, BASE_PATH))
  app.use(
    boundedBody({
      maxBytes: MAX_REQUEST_BYTES,
      timeoutMs: deps.config.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    }),
  )
  app.route('/health', healthRoutes(deps))
  app.route('/upkeep', upkeepRoutes(deps))
  app.route('/webhooks', webhookRoutes(deps))
  app.route('/rooms/:room', roomRoutes(deps))

  // Answered, not thrown: a throw here would pass the middleware above and miss its CORS headers.
  app.notFound((c) =>
    renderError(new ApiError(404, 'not_found', 'There is nothing at this address.'), c),
  )
  app.onError(renderError)
  return app
}

/**
 * Everything under `/rooms/:room`. Joining (`/tokens`) is open; every other route is behind the
 * one token check, which sets `c.var.room`, `user` and `owner` for them.
 */
function roomRoutes(deps: ChatDeps) {
  return (
    new Hono<RoomEnv>()
      // Before the check, which also matches this path: Hono runs handlers in the order they were
      // added, and the token route answers without calling on.
      .route('/tokens', tokenRoutes(deps))
      .use(requireRoomToken(deps.tokens))
      // Before the message routes, whose GET /:id would take `pending` for an id.
      .route('/messages', approvalRoutes(deps))
      .route('/messages', messageRoutes(deps))
      .route('/messages/:id/reactions', reactionRoutes(deps))
      .route('/messages/:id/reports', reportRoutes(deps))
      .route('/messages/:id/pin', pinRoutes(deps))
      .route('/messages/:id/poll', pollRoutes(deps))
      .route('/pins', pinListRoutes(deps))
      .route('/questions', questionRoutes(deps))
      .route('/reports', reportListRoutes(deps))
      .route('/uploads', uploadRoutes(deps))
      .route('/attachments', attachmentRoutes(deps))
      .route('/changes', changeRoutes(deps))
      .route('/transcript', transcriptRoutes(deps))
      .route('/search', searchRoutes(deps))
      .route('/settings', settingsRoutes(deps))
  )
}

import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import type { IncomingMessage, Server } from 'node:http'
import path from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { type Context, Hono } from 'hono'
import { createChatApp } from '../functions/chat/app.ts'
import { loadChatConfig } from '../functions/chat/config.ts'
import { createChatDeps } from '../functions/chat/create-chat-deps.ts'
import { ApiError } from '../functions/chat/errors.ts'
import { contentSecurityPolicy, FRAME_ANCESTORS_ENV, parseFrameAncestors } from '../web/csp.ts'
import { pageSecurityHeaders } from '../web/security-headers.ts'
import { type RunningPostgres, startEmbeddedPostgres } from './embedded-postgres.ts'
import { localSecret, openLocalMediaStore } from './media.ts'
import { applyMigrations } from './migrate.ts'
import { attachRelay } from './relay.ts'
import { startLocalUpkeep } from './upkeep-timer.ts'

/** In the data folder while the stack runs: the URL of the database it uses. */
export const RUNNING_DATABASE_FILE = 'running-database-url'

const WEB_DIST_DIR = path.resolve(import.meta.dirname, '../dist/web')

/** How long a request's headers may take before its connection is dropped (docs/security.md: 15 s). */
const HEADERS_TIMEOUT_MS = 15_000
/** How long a whole request, body and file uploads included, may take (docs/security.md: 5 minutes). */
const REQUEST_TIMEOUT_MS = 5 * 60_000

export interface LocalStackOptions {
  port: number
  host: string
  dataDir: string
  /** The environment the chat function reads (DATABASE_URL, DAILY_API_KEY, CHAT_*...). */
  env: Record<string, string | undefined>
  log?: (line: string) => void
  /** HEADERS_TIMEOUT_MS unless given (tests shorten it). */
  headersTimeoutMs?: number
}

export interface LocalStack {
  url: string
  databaseUrl: string
  /** Versions of the migrations applied by this start. */
  migrationsApplied: string[]
  stop(): Promise<void>
}

/**
 * The whole product on one origin: the chat function under /functions/v1/chat (the Supabase URL
 * shape) and the built SPA, on a real PostgreSQL (embedded unless DATABASE_URL is set).
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {})
  let app: Hono | undefined
  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS
  const server = createAdaptorServer({
    // The env carries the Node request (`incoming`): the chat function reads the peer's address.
    fetch: (request, env) =>
      app ? app.fetch(request, env) : new Response('Backchannel is starting…', { status: 503 }),
    // Nobody holds a connection open by sending slowly, or nothing: Node answers 408 and closes a
    // connection whose request headers take longer than headersTimeout, or whose whole request
    // (file uploads included) takes longer than requestTimeout. It looks for those only every
    // connectionsCheckingInterval (30 s by default, which made the 15 s limit up to 45 s): checked
    // often enough, a connection goes within a quarter of the limit after it. The chat function
    // answers a body that stops short much sooner (CHAT_BODY_TIMEOUT_MS).
    serverOptions: {
      headersTimeout,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1_000, headersTimeout / 4),
    },
  }) as Server
  await listen(server, options.port, options.host)

  let embedded: RunningPostgres | undefined
  try {
    const dataDir = path.resolve(options.dataDir)
    await mkdir(dataDir, { recursive: true })
    let databaseUrl = options.env.DATABASE_URL || options.env.SUPABASE_DB_URL
    if (!databaseUrl) {
      log(`Starting PostgreSQL with its data in ${path.join(dataDir, 'postgres')}…`)
      embedded = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: Number(options.env.BACKCHANNEL_DB_PORT) || undefined,
        log,
        // A PostgreSQL that stops or crashes is started again: the stack serves on meanwhile
        // (503 from the function until it is back), and Ctrl-C still stops both.
        restartOnExit: true,
      })
      databaseUrl = embedded.url
    }
    const migrationsApplied = await applyMigrations(databaseUrl)
    // Where commands (npm run retention) find the database while the stack runs.
    const databaseUrlFile = path.join(dataDir, RUNNING_DATABASE_FILE)
    await writeFile(databaseUrlFile, `${databaseUrl}\n`, { mode: 0o600 })
    if (migrationsApplied.length > 0) log(`Applied migrations ${migrationsApplied.join(', ')}.`)

    const config = loadChatConfig({
      ...options.env,
      DATABASE_URL: databaseUrl,
      DAILY_API_KEY: options.env.DAILY_API_KEY || (await localSecret(dataDir, 'daily-api-key')),
    })
    const { media, routes: storageRoutes } = await openLocalMediaStore(config, dataDir)
    const deps = createChatDeps(config, {
      media,
      peerAddress: nodePeerAddress,
      // What the function says live itself goes out through the relay, as Daily's REST API does.
      appMessages: async (room, data) => relay.sendFromApi(room, data),
    })
    // The relay stands in for Daily's meeting.started/ended webhooks too (retention per room).
    const noteCall = (what: string, record: Promise<void>) =>
      record.catch((error: Error) => log(`Could not record a call's ${what}: ${error.message}`))
    const relay = attachRelay(server, {
      tokens: deps.tokens,
      onCallEnded: (room, endedAt) => noteCall('end', deps.store.recordCallEnd(room, endedAt)),
      onCallStarted: (room, at) => noteCall('start', deps.store.recordCallStart(room, at)),
    })

    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : options.port
    const shownHost = ['127.0.0.1', '0.0.0.0', '::'].includes(options.host)
      ? 'localhost'
      : options.host
    const url = `http://${shownHost}:${port}`

    // The SPA's policy as a header, with what a meta tag cannot carry (frame-ancestors), and the
    // page's other headers (web/security-headers.ts), on every response of this origin: its
    // nosniff also keeps an error's JSON or a stored file from being read as a script or a page.
    const pageHeaders = pageSecurityHeaders(
      contentSecurityPolicy(
        {
          chatApiUrl: options.env.VITE_CHAT_API_URL,
          storageUrl: options.env.SUPABASE_URL,
          dailyDomain: options.env.VITE_DAILY_DOMAIN,
        },
        'header',
        parseFrameAncestors(options.env[FRAME_ANCESTORS_ENV]),
      ),
    )
    const root = new Hono()
      .use('*', async (c, next) => {
        await next()
        for (const [name, value] of Object.entries(pageHeaders)) c.res.headers.set(name, value)
      })
      .route('/functions/v1', createChatApp(deps))
    if (storageRoutes) root.route('/storage/v1', storageRoutes)
    // Under the function's and Storage's prefixes an address nobody answers is a JSON 404, like
    // Supabase's, never the SPA's page.
    root.all('/functions/*', apiNotFound).all('/storage/*', apiNotFound)
    app = root
      .use('*', serveStatic({ root: WEB_DIST_DIR }))
      // Any other path is a client-side route of the SPA.
      .get('*', serveStatic({ path: path.join(WEB_DIST_DIR, 'index.html') }))
    if (!existsSync(WEB_DIST_DIR)) log('No built web app in dist/web: run `npm run build`.')
    // Retention, as pg_cron and the upkeep route do it when deployed: at start, then hourly.
    const upkeep = startLocalUpkeep({
      env: options.env,
      retentionDays: config.defaultRetentionDays,
      databaseUrl,
      media,
      log,
    })

    return {
      url,
      databaseUrl,
      migrationsApplied,
      async stop() {
        // Its WebSockets would keep the server from closing.
        await relay.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await upkeep.stop()
        await deps.store.close()
        await embedded?.stop()
        await rm(databaseUrlFile, { force: true })
      },
    }
  } catch (error) {
    server.close()
    await embedded?.stop()
    throw error
  }
}

const apiNotFound = (c: Context) =>
  c.json(new ApiError(404, 'not_found', 'There is nothing at this address.').toJSON(), 404)

/** @hono/node-server hands Hono the Node request as `env.incoming`. */
const nodePeerAddress = (c: Context) =>
  (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(
            `Port ${port} is already in use — is Backchannel already running? Stop it, or start on another port with PORT=${port + 1} npm start.`,
          ),
        )
      } else reject(error)
    })
    server.listen(port, host, () => resolve())
  })
}

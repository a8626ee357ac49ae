import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import path from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { createChatApp } from '../functions/chat/app.ts'
import { loadChatConfig } from '../functions/chat/config.ts'
import { createPostgresMessageStore } from '../functions/chat/postgres-message-store.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { type RunningPostgres, startEmbeddedPostgres } from './embedded-postgres.ts'
import { localSecret, openLocalMediaStore } from './media.ts'
import { applyMigrations } from './migrate.ts'
import { attachRelay } from './relay.ts'

/** In the data folder while the stack runs: the URL of the database it uses. */
export const RUNNING_DATABASE_FILE = 'running-database-url'

export const WEB_DIST_DIR = path.resolve(import.meta.dirname, '../dist/web')

export interface LocalStackOptions {
  port: number
  host: string
  dataDir: string
  /** The environment the chat function reads (DATABASE_URL, DAILY_API_KEY, CHAT_*...). */
  env: Record<string, string | undefined>
  log?: (line: string) => void
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
  const server = createAdaptorServer({
    fetch: (request) =>
      app ? app.fetch(request) : new Response('Backchannel is starting…', { status: 503 }),
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
    const store = createPostgresMessageStore(config.databaseUrl, {
      poolMax: config.databasePoolMax,
    })
    const tokens = createRoomTokens({
      apiKey: config.dailyApiKey,
      domainId: config.dailyDomainId,
      ttlSeconds: config.tokenTtlSeconds,
    })
    const relay = attachRelay(server, { tokens })

    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : options.port
    const shownHost = ['127.0.0.1', '0.0.0.0', '::'].includes(options.host)
      ? 'localhost'
      : options.host
    const url = `http://${shownHost}:${port}`

    const { media, routes: storageRoutes } = await openLocalMediaStore(config, dataDir)

    const root = new Hono().route('/functions/v1', createChatApp({ config, store, media, tokens }))
    if (storageRoutes) root.route('/storage/v1', storageRoutes)
    app = root
      .use('*', serveStatic({ root: WEB_DIST_DIR }))
      // Any other path is a client-side route of the SPA.
      .get('*', serveStatic({ path: path.join(WEB_DIST_DIR, 'index.html') }))
    if (!existsSync(WEB_DIST_DIR)) log('No built web app in dist/web: run `npm run build`.')

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
        await store.close()
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

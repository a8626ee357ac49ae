import type { PeerAddress } from './client-address.ts'
import type { ChatConfig } from './config.ts'
import type { ChatDeps } from './deps.ts'
import { createLiveBroadcast, dailyAppMessages, type SendAppMessage } from './live-broadcast.ts'
import type { MediaStore } from './media-store.ts'
import { createPostgresMessageStore } from './postgres-message-store.ts'
import type { ChatLog } from './request-log.ts'
import { createRoomTokens } from './tokens.ts'
import { createUpkeep } from './upkeep.ts'

/**
 * The function's dependencies built from its configuration: the Postgres message store, the
 * room tokens and the function's own live messages (Daily's REST API). The runtime supplies what differs between runtimes: where files live (Supabase
 * Storage when deployed; the local stack chooses in `local/media.ts`), how to read a request's
 * peer address, and where the request log goes (JSON lines when deployed).
 *
 * @example createChatApp(createChatDeps(config, { media, log: jsonLineLog() }))
 */
export function createChatDeps(
  config: ChatConfig,
  runtime: {
    media: MediaStore
    peerAddress?: PeerAddress
    log?: ChatLog
    /** How the function's own live messages travel: Daily's REST API unless given (the relay). */
    appMessages?: SendAppMessage
  },
): ChatDeps {
  return {
    config,
    store: createPostgresMessageStore(config.databaseUrl, {
      poolMax: config.databasePoolMax,
      timeoutMs: config.databaseTimeoutMs,
    }),
    tokens: createRoomTokens({
      apiKey: config.dailyApiKey,
      domainId: config.dailyDomainId,
      ttlSeconds: config.tokenTtlSeconds,
    }),
    media: runtime.media,
    live: createLiveBroadcast({
      send:
        runtime.appMessages ??
        dailyAppMessages({ apiUrl: config.dailyApiUrl, apiKey: config.dailyApiKey }),
      log: (message) => console.warn(message),
    }),
    upkeep: createUpkeep({
      databaseUrl: config.databaseUrl,
      media: runtime.media,
      secret: config.upkeepSecret,
    }),
    peerAddress: runtime.peerAddress,
    log: runtime.log,
  }
}

import type { PeerAddress } from './client-address.ts'
import type { ChatConfig } from './config.ts'
import type { LiveBroadcast } from './live-broadcast.ts'
import type { MediaStore } from './media-store.ts'
import type { MessageStore } from './message-store.ts'
import type { ChatLog } from './request-log.ts'
import type { RoomTokens } from './tokens.ts'
import type { Upkeep } from './upkeep.ts'

/**
 * What the chat function's routes run on: the settings they read and the ports they talk to.
 * Built from configuration by `createChatDeps`; tests build their own.
 */
export interface ChatDeps {
  config: Pick<
    ChatConfig,
    | 'openRooms'
    | 'rateLimit'
    | 'allowedOrigins'
    | 'mediaMaxBytes'
    | 'mediaUrlTtlSeconds'
    | 'quotas'
    | 'proxyHops'
  > &
    Partial<
      Pick<ChatConfig, 'bodyTimeoutMs' | 'logSalt' | 'dailyWebhookSecret' | 'defaultRetentionDays'>
    >
  store: MessageStore
  media: MediaStore
  tokens: RoomTokens
  /** What the function says live itself (Q&A); without it, clients learn of it at catch-up. */
  live?: LiveBroadcast
  /** Retention's upkeep for the protected upkeep route; without it the route answers 503. */
  upkeep?: Upkeep
  /** The address of the peer that sent a request (runtime-specific; see client-address.ts). */
  peerAddress?: PeerAddress
  /**
   * Where one line per request and per error answer goes (request-log.ts): JSON lines when
   * deployed. Without one, only the causes of 5xx answers are printed, in full (the local stack).
   */
  log?: ChatLog
}

import type { ChatUser, HistoryPage, HistoryQuery, StoredMessage } from './protocol.ts'

export interface NewMessage {
  id: string
  room: string
  sender: ChatUser
  body: string
}

export interface RateLimit {
  messages: number
  windowSeconds: number
}

export type PostOutcome =
  | { kind: 'created' | 'duplicate'; message: StoredMessage }
  | { kind: 'conflict' }
  | { kind: 'deleted' }
  | { kind: 'rate_limited'; retryAfterSeconds: number }

/** Where messages are kept. The function only talks to this port. */
export interface MessageStore {
  /** Stores a message once: a retry with the same id and content returns the stored one. */
  persistMessage(message: NewMessage, limit: RateLimit): Promise<PostOutcome>
  /** One page of a room's visible messages, oldest first within the page. */
  loadHistoryPage(room: string, query: HistoryQuery): Promise<HistoryPage>
  /** One visible message of a room, or undefined when there is none (or it was deleted). */
  loadMessage(room: string, id: string): Promise<StoredMessage | undefined>
  /** Resolves when the store answers. */
  ping(): Promise<void>
  close(): Promise<void>
}

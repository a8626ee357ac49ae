import type { Attachment, ChatUser, HistoryQuery, StoredMessage } from './protocol.ts'

export interface NewMessage {
  id: string
  room: string
  sender: ChatUser
  body: string
  attachments: Attachment[]
}

/** A message as the database keeps it: its files by path, without URLs to read them. */
export type PersistedMessage = Omit<StoredMessage, 'attachments'> & { attachments: Attachment[] }

export interface RateLimit {
  messages: number
  windowSeconds: number
}

export type PostOutcome =
  | { kind: 'created' | 'duplicate'; message: PersistedMessage }
  | { kind: 'conflict' }
  | { kind: 'deleted' }
  | { kind: 'rate_limited'; retryAfterSeconds: number }

/** Where messages are kept. The function only talks to this port. */
export interface MessageStore {
  /** Stores a message once: a retry with the same id and content returns the stored one. */
  persistMessage(message: NewMessage, limit: RateLimit): Promise<PostOutcome>
  /** One page of a room's visible messages, oldest first within the page. */
  loadHistoryPage(
    room: string,
    query: HistoryQuery,
  ): Promise<{ messages: PersistedMessage[]; hasMore: boolean }>
  /** One visible message of a room, or undefined when there is none (or it was deleted). */
  loadMessage(room: string, id: string): Promise<PersistedMessage | undefined>
  /** Resolves when the store answers. */
  ping(): Promise<void>
  close(): Promise<void>
}

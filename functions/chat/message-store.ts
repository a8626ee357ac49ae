import type { Attachment, ChangesQuery, ChatUser, HistoryQuery, StoredMessage } from './protocol.ts'

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
  | { kind: 'blocked'; reason: string }

export type EditOutcome =
  | { kind: 'edited' | 'unchanged'; message: PersistedMessage }
  | { kind: 'not_found' | 'deleted' | 'forbidden' | 'empty' }
  | { kind: 'blocked'; reason: string }

export type DeleteOutcome = { kind: 'deleted' | 'not_found' | 'forbidden' }

export type PersistedChange =
  | { type: 'message'; message: PersistedMessage }
  | { type: 'deleted'; id: string }

/** Where messages are kept. The function only talks to this port. */
export interface MessageStore {
  /** Stores a message once: a retry with the same id and content returns the stored one. */
  persistMessage(message: NewMessage, limit: RateLimit): Promise<PostOutcome>
  /** One page of a room's visible messages, oldest first within the page. */
  loadHistoryPage(
    room: string,
    query: HistoryQuery,
  ): Promise<{ messages: PersistedMessage[]; hasMore: boolean; revision: number }>
  /** Changes the sender's text (only the sender's own, never a deleted message). */
  editMessage(room: string, id: string, senderId: string, body: string): Promise<EditOutcome>
  /** Hides a message: its sender's or, for a room owner, anyone's. */
  deleteMessage(room: string, id: string, actorId: string, isOwner: boolean): Promise<DeleteOutcome>
  /** What changed in a room after a revision (writes, edits, deletions), oldest first. */
  loadChanges(
    room: string,
    query: ChangesQuery,
  ): Promise<{
    changes: PersistedChange[]
    revision: number
    hasMore: boolean
    /** The seq of the room's oldest visible message; null when it has none. */
    firstSeq: number | null
  }>
  /** Every visible message of a room, in order. */
  loadTranscript(room: string): Promise<PersistedMessage[]>
  /** One visible message of a room, or undefined when there is none (or it was deleted). */
  loadMessage(room: string, id: string): Promise<PersistedMessage | undefined>
  /** Resolves when the store answers. */
  ping(): Promise<void>
  close(): Promise<void>
}

import postgres from 'postgres'
import type { DeleteOutcome, MessageStore, PersistedMessage, PostOutcome } from './message-store.ts'
import type { Attachment } from './protocol.ts'

interface MessageRow {
  id: string
  room: string
  sender_id: string
  sender_name: string
  body: string
  attachments: Attachment[]
  created_at: string | Date
  edited_at: string | Date | null
  deleted_at: string | Date | null
  seq: string | number
  revision: string | number
}

const toPersistedMessage = (row: MessageRow): PersistedMessage => ({
  id: row.id,
  room: row.room,
  sender: { id: row.sender_id, name: row.sender_name },
  body: row.body,
  attachments: row.attachments,
  createdAt: new Date(row.created_at).toISOString(),
  ...(row.edited_at ? { editedAt: new Date(row.edited_at).toISOString() } : {}),
  seq: Number(row.seq),
})

/**
 * The message store on Postgres (Supabase's or the embedded one), through postgres.js.
 * `prepare: false` keeps it working behind Supabase's transaction pooler.
 */
export function createPostgresMessageStore(
  databaseUrl: string,
  options: { poolMax?: number } = {},
): MessageStore {
  const sql = postgres(databaseUrl, {
    prepare: false,
    max: options.poolMax ?? 4,
    idle_timeout: 20,
    connect_timeout: 5,
    onnotice: () => {},
  })

  return {
    async persistMessage(message, limit) {
      // One round trip: the database function locks the room, checks the id and the rate limit
      // and inserts, so it holds across any number of function instances.
      let row: { result: RawOutcome } | undefined
      try {
        ;[row] = await sql<{ result: RawOutcome }[]>`
          select public.persist_chat_message(
            ${message.id}::uuid, ${message.room}, ${message.sender.id}, ${message.sender.name},
            ${message.body}, ${sql.json(message.attachments)}::jsonb, ${limit.messages}::int,
            make_interval(secs => ${limit.windowSeconds}::int)
          ) as result`
      } catch (error) {
        // The messages table refuses blocked senders (trigger messages_refuse_blocked).
        if ((error as { code?: string }).code === BLOCKED_SENDER) {
          return { kind: 'blocked', reason: (error as { detail?: string }).detail ?? '' }
        }
        throw error
      }
      if (!row) throw new Error('persist_chat_message returned no row')
      return toOutcome(row.result)
    },

    async loadHistoryPage(room, { limit, before, after }) {
      // One statement, so one snapshot and one round trip: the page, and the room's latest
      // revision as of that page, from which catching up on changes continues.
      const page =
        after !== undefined
          ? sql`select * from public.messages
                where room = ${room} and deleted_at is null and seq > ${after}
                order by seq asc limit ${limit + 1}`
          : sql`select * from public.messages
                where room = ${room} and deleted_at is null
                  ${before !== undefined ? sql`and seq < ${before}` : sql``}
                order by seq desc limit ${limit + 1}`
      const rows = await sql<(MessageRow & { room_revision: string })[]>`
        select latest.room_revision, page.*
        from (select coalesce(max(revision), 0) as room_revision
              from public.messages where room = ${room}) as latest
        left join lateral (${page}) as page on true`
      const revision = Number(rows[0]?.room_revision ?? 0)
      const messages = rows.filter((row) => row.id !== null)
      const hasMore = messages.length > limit
      const visible = messages.slice(0, limit)
      if (after === undefined) visible.reverse()
      return { messages: visible.map(toPersistedMessage), hasMore, revision }
    },

    async editMessage(room, id, senderId, body) {
      const [row] = await sql<{ result: RawEditOutcome }[]>`
        select public.edit_chat_message(${id}::uuid, ${room}, ${senderId}, ${body}) as result`
      if (!row) throw new Error('edit_chat_message returned no row')
      const raw = row.result
      switch (raw.outcome) {
        case 'edited':
        case 'unchanged':
          return { kind: raw.outcome, message: toPersistedMessage(raw.message) }
        case 'blocked':
          return { kind: 'blocked', reason: raw.reason }
        default:
          return { kind: raw.outcome }
      }
    },

    async deleteMessage(room, id, actorId, isOwner) {
      const [row] = await sql<{ result: { outcome: DeleteOutcome['kind'] } }[]>`
        select public.delete_chat_message(${id}::uuid, ${room}, ${actorId}, ${isOwner}) as result`
      if (!row) throw new Error('delete_chat_message returned no row')
      return { kind: row.result.outcome }
    },

    async loadChanges(room, { since, limit }) {
      // The oldest visible seq rides along (one index probe): below it, retention removed
      // messages for good, which no change row can announce.
      const rows = await sql<(MessageRow & { first_seq: string | null })[]>`
        select first.first_seq, changed.*
        from (select min(seq) as first_seq from public.messages
              where room = ${room} and deleted_at is null) as first
        left join lateral (
          select * from public.messages
          where room = ${room} and revision > ${since}
          order by revision asc limit ${limit + 1}
        ) as changed on true`
      const firstSeq = rows[0]?.first_seq == null ? null : Number(rows[0].first_seq)
      const changed = rows.filter((row) => row.id !== null)
      const hasMore = changed.length > limit
      const page = changed.slice(0, limit)
      return {
        firstSeq,
        changes: page.map((row) =>
          row.deleted_at
            ? { type: 'deleted' as const, id: row.id }
            : { type: 'message' as const, message: toPersistedMessage(row) },
        ),
        revision: page.length > 0 ? Number(page.at(-1)?.revision) : since,
        hasMore,
      }
    },

    async loadTranscript(room) {
      const rows = await sql<MessageRow[]>`
        select * from public.messages
        where room = ${room} and deleted_at is null
        order by seq asc`
      return rows.map(toPersistedMessage)
    },

    async loadMessage(room, id) {
      const [row] = await sql<MessageRow[]>`
        select * from public.messages
        where id = ${id}::uuid and room = ${room} and deleted_at is null`
      return row && toPersistedMessage(row)
    },

    async ping() {
      await sql`select 1`
    },

    async close() {
      await sql.end({ timeout: 5 })
    },
  }
}

/** SQLSTATE raised when a blocked sender's message would be stored. */
const BLOCKED_SENDER = 'BCBLK'

type RawOutcome =
  | { outcome: 'created' | 'duplicate'; message: MessageRow }
  | { outcome: 'conflict' | 'deleted' }
  | { outcome: 'rate_limited'; retry_after_ms: number }

type RawEditOutcome =
  | { outcome: 'edited' | 'unchanged'; message: MessageRow }
  | { outcome: 'not_found' | 'deleted' | 'forbidden' | 'empty' }
  | { outcome: 'blocked'; reason: string }

function toOutcome(raw: RawOutcome): PostOutcome {
  switch (raw.outcome) {
    case 'created':
    case 'duplicate':
      return { kind: raw.outcome, message: toPersistedMessage(raw.message) }
    case 'rate_limited':
      return {
        kind: 'rate_limited',
        retryAfterSeconds: Math.max(1, Math.ceil(raw.retry_after_ms / 1000)),
      }
    default:
      return { kind: raw.outcome }
  }
}

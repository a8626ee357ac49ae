import postgres from 'postgres'
import type { MessageStore, PersistedMessage, PostOutcome } from './message-store.ts'
import type { Attachment } from './protocol.ts'

interface MessageRow {
  id: string
  room: string
  sender_id: string
  sender_name: string
  body: string
  attachments: Attachment[]
  created_at: string | Date
  seq: string | number
}

const toPersistedMessage = (row: MessageRow): PersistedMessage => ({
  id: row.id,
  room: row.room,
  sender: { id: row.sender_id, name: row.sender_name },
  body: row.body,
  attachments: row.attachments,
  createdAt: new Date(row.created_at).toISOString(),
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
      const [row] = await sql<{ result: RawOutcome }[]>`
        select public.persist_chat_message(
          ${message.id}::uuid, ${message.room}, ${message.sender.id}, ${message.sender.name},
          ${message.body}, ${sql.json(message.attachments)}::jsonb, ${limit.messages}::int,
          make_interval(secs => ${limit.windowSeconds}::int)
        ) as result`
      if (!row) throw new Error('persist_chat_message returned no row')
      return toOutcome(row.result)
    },

    async loadHistoryPage(room, { limit, before, after }) {
      const rows =
        after !== undefined
          ? await sql<MessageRow[]>`
              select * from public.messages
              where room = ${room} and deleted_at is null and seq > ${after}
              order by seq asc limit ${limit + 1}`
          : await sql<MessageRow[]>`
              select * from public.messages
              where room = ${room} and deleted_at is null
                ${before !== undefined ? sql`and seq < ${before}` : sql``}
              order by seq desc limit ${limit + 1}`
      const hasMore = rows.length > limit
      const page = rows.slice(0, limit)
      if (after === undefined) page.reverse()
      return { messages: page.map(toPersistedMessage), hasMore }
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

type RawOutcome =
  | { outcome: 'created' | 'duplicate'; message: MessageRow }
  | { outcome: 'conflict' | 'deleted' }
  | { outcome: 'rate_limited'; retry_after_ms: number }

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

import postgres from 'postgres'
import {
  type Attachment,
  DEFAULT_ROOM_SETTINGS,
  MAX_PINS,
  type Mention,
  type RoomRetention,
  type RoomSettings,
  type StoredPoll,
  type StoredQuestion,
} from '../_shared/protocol.ts'
import { DEFAULT_DB_TIMEOUT_MS } from './config.ts'
import { createDatabaseGate, gateMethods } from './database-gate.ts'
import type {
  DeleteOutcome,
  MessageStore,
  PersistedMessage,
  PostOutcome,
  ReplyParent,
  ReviewedMessage,
  ReviewedQuestion,
  UploadState,
} from './message-store.ts'

/** A row of chat.messages as postgres.js reads it (bigint as a string). */
interface MessageRow {
  id: string
  room: string
  sender_id: string
  sender_name: string
  body: string
  attachments: Attachment[]
  created_at: Date
  edited_at: Date | null
  deleted_at: Date | null
  reply_to: string | null
  mentions: Mention[]
  recipient_id: string | null
  recipient_name: string | null
  pinned_at: Date | null
  /** pending: waiting for an owner's approval, seen by its sender only. */
  review: 'pending' | 'approved'
  seq: string
  revision: string
  /**
   * chat.message_reactions(id) or chat.page_reactions(ids), where the query asks for them:
   * [{emoji, userIds}]; null for a message without any in a page.
   */
  reactions?: { emoji: string; userIds: string[] }[] | null
  /**
   * chat.page_polls(ids, reader), where the query asks for it: the poll as that reader sees it;
   * null for a message that is no poll.
   */
  poll?: StoredPoll | null
}

/** A room's newest messages for everyone, as readNewestPublicPage reads them. */
interface NewestPublicPage {
  rows: MessageRow[]
  revision: number
  roomHasPrivate: boolean
}

/** How many of a room's newest messages a search reads in order before using the word index. */
const RECENT_SEARCH_WINDOW = 500

/** The columns of chat.messages that reads return (not `search`, the words kept for search). */
const MESSAGE_COLUMNS = [
  'id',
  'room',
  'sender_id',
  'sender_name',
  'body',
  'attachments',
  'created_at',
  'edited_at',
  'deleted_at',
  'reply_to',
  'mentions',
  'recipient_id',
  'recipient_name',
  'pinned_at',
  'review',
  'seq',
  'revision',
] as const satisfies readonly (keyof MessageRow)[]

/** The message columns of a database function's outcome that carries no message. */
type NoMessage = { [Column in keyof MessageRow]: null }

/** chat.persist_chat_message's row: its outcome and, when created or duplicate, the message. */
type PersistRow =
  | (MessageRow & { outcome: 'created' | 'duplicate'; retry_after_ms: null })
  | (NoMessage & {
      outcome: 'conflict' | 'deleted' | 'chat_off' | 'owners_only' | 'private_off'
      retry_after_ms: null
    })
  | (NoMessage & { outcome: 'rate_limited' | 'slow_mode'; retry_after_ms: number })

/** chat.toggle_chat_reaction's row: its outcome and, unless refused, the message. */
type ReactionRow =
  | (MessageRow & { outcome: 'added' | 'removed' | 'unchanged'; block_reason: null })
  | (NoMessage & {
      outcome: 'not_found' | 'chat_off' | 'owners_only' | 'private_off'
      block_reason: null
    })
  | (NoMessage & { outcome: 'blocked'; block_reason: string })

/** chat.vote_chat_poll's row: its outcome and, unless refused, the message with its poll. */
type VoteRow =
  | (MessageRow & { outcome: 'voted' | 'withdrawn' | 'unchanged'; block_reason: null })
  | (NoMessage & {
      outcome:
        | 'not_found'
        | 'not_a_poll'
        | 'closed'
        | 'no_such_option'
        | 'chat_off'
        | 'owners_only'
        | 'private_off'
      block_reason: null
      /** How many options the poll has (no_such_option). */
      options: number | null
    })
  | (NoMessage & { outcome: 'blocked'; block_reason: string })

/** chat.close_chat_poll's row: its outcome and, unless refused, the message with its poll. */
type CloseRow =
  | (MessageRow & { outcome: 'closed' | 'unchanged' })
  | (NoMessage & { outcome: 'not_found' | 'not_a_poll' | 'forbidden' })

/** chat.edit_chat_message's row: its outcome and, when edited or unchanged, the message. */
type EditRow =
  | (MessageRow & { outcome: 'edited' | 'unchanged'; block_reason: null })
  | (NoMessage & {
      outcome:
        | 'not_found'
        | 'deleted'
        | 'forbidden'
        | 'empty'
        | 'chat_off'
        | 'owners_only'
        | 'private_off'
      block_reason: null
    })
  | (NoMessage & { outcome: 'blocked'; block_reason: string })

/** What the Q&A functions (ask_question, vote_question, edit_question...) answer. */
interface QuestionRow {
  outcome: string
  block_reason: string | null
  question: StoredQuestion | null
}

/** The question of an answer that must carry one. */
function questionOf(row: QuestionRow, what: string): StoredQuestion {
  if (!row.question) throw new Error(`${what} answered ${row.outcome} without the question`)
  return row.question
}

const toPersistedMessage = (row: MessageRow): PersistedMessage => ({
  id: row.id,
  room: row.room,
  sender: { id: row.sender_id, name: row.sender_name },
  body: row.body,
  attachments: row.attachments,
  createdAt: row.created_at.toISOString(),
  ...(row.edited_at ? { editedAt: row.edited_at.toISOString() } : {}),
  ...(row.reply_to ? { replyTo: row.reply_to } : {}),
  ...(row.mentions?.length ? { mentions: row.mentions } : {}),
  ...(row.recipient_id
    ? { to: row.recipient_id, ...(row.recipient_name ? { toName: row.recipient_name } : {}) }
    : {}),
  ...(row.pinned_at ? { pinnedAt: row.pinned_at.toISOString() } : {}),
  seq: Number(row.seq),
  reactions: (row.reactions ?? []).map(({ emoji, userIds }) => ({
    emoji,
    count: userIds.length,
    userIds,
  })),
  ...(row.poll ? { poll: row.poll } : {}),
  ...(row.review === 'pending' ? { pending: true as const } : {}),
})

/**
 * The message store on Postgres (Supabase's or the embedded one), through postgres.js.
 * `prepare: false` keeps it working behind Supabase's transaction pooler. Every call must answer
 * within `timeoutMs` (connecting included), or fails with DATABASE_TIMEOUT (a 503); while the
 * database is down, calls fail at once (see createDatabaseGate) and it recovers by itself.
 */
export function createPostgresMessageStore(
  databaseUrl: string,
  options: { poolMax?: number; timeoutMs?: number } = {},
): MessageStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS
  const sql = postgres(databaseUrl, {
    prepare: false,
    max: options.poolMax ?? 4,
    idle_timeout: 20,
    connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
    // Reconnecting after a failure waits this long (seconds); postgres.js' own backoff grows to
    // 20 s during a long outage, which would keep the function down long after the database is up.
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, RECONNECT_MAX_SECONDS),
    // No type lookup when a connection opens: none of these queries reads or sends an array,
    // and postgres.js leaves a lookup that fails (a pooler refusing the login, a connection
    // killed right then) as an unhandled rejection, which ends the process.
    fetch_types: false,
    onnotice: () => {},
  })
  const gate = createDatabaseGate({ timeoutMs, probe: () => sql`select 1` })

  /**
   * The messages `rows` selects (MESSAGE_COLUMNS), each with its reactions and, for a poll, the
   * poll as `readerId` sees it, from one call each for all of them (chat.page_reactions and
   * chat.page_polls, not a function call per row), in `order`.
   */
  const withReactions = (
    rows: postgres.PendingQuery<postgres.Row[]>,
    order: postgres.PendingQuery<postgres.Row[]>,
    readerId: string,
  ) =>
    sql<MessageRow[]>`
      with found as (${rows})
      select found.*, reaction.reactions, poll.poll
      from found
      left join chat.page_reactions(array(select id from found)) as reaction
        on reaction.message_id = found.id
      left join chat.page_polls(array(select id from found), ${readerId}::text) as poll
        on poll.message_id = found.id
      order by ${order}`

  /** The poll of one message as `readerId` sees it (null when it is no poll), as a column. */
  const pollOf = (id: postgres.PendingQuery<postgres.Row[]>, readerId: string) =>
    sql`(select page.poll from chat.page_polls(array[${id}], ${readerId}::text) as page)`

  /** Newest pages of rooms being read right now, shared by the requests that ask meanwhile. */
  const newestPages = new Map<string, Promise<NewestPublicPage>>()

  /**
   * A room's newest messages for everyone (limit + 1, newest first), the latest revision of its
   * messages for everyone (shared by every reader: no private message moves it), and whether it
   * has any private messages or messages waiting for approval (each reader's own are added to
   * their copy): one statement, so one snapshot.
   */
  async function readNewestPublicPage(room: string, limit: number): Promise<NewestPublicPage> {
    // Shared by every reader: polls without anyone's own vote (loadNewestPage adds the reader's).
    const { rows, latest } = await pageWithRevision<{ room_has_private: boolean }>(
      publicRevision(room),
      sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
          where room = ${room} and deleted_at is null and recipient_id is null
            and review = 'approved'
          order by seq desc limit ${limit + 1}`,
      sql`desc`,
      null,
      // Two index probes: messages_room_private and messages_room_pending.
      sql`, (exists(select from chat.messages
                    where room = ${room} and recipient_id is not null and deleted_at is null)
             or exists(select from chat.messages
                       where room = ${room} and review = 'pending' and deleted_at is null))
              as room_has_private`,
    )
    return { rows, revision: latest.revision, roomHasPrivate: latest.room_has_private === true }
  }

  /**
   * The page `page` selects (MESSAGE_COLUMNS) with its reactions and polls (with `readerId`'s own
   * votes; none when null), in seq `order`, and `revision` (plus the `extra` columns about the
   * room) as of that page: one statement, so one snapshot and one round trip. A room without
   * messages still gives its revision, 0.
   */
  async function pageWithRevision<Extra extends object = object>(
    revision: postgres.PendingQuery<postgres.Row[]>,
    page: postgres.PendingQuery<postgres.Row[]>,
    order: postgres.PendingQuery<postgres.Row[]>,
    readerId: string | null,
    extra = sql``,
  ) {
    const rows = await sql<(MessageRow & Extra & { room_revision: string })[]>`
      with page as (${page})
      select latest.*, page.*, reaction.reactions, poll.poll
      from (select coalesce(${revision}, 0) as room_revision ${extra}) as latest
      left join page on true
      left join chat.page_reactions(array(select id from page)) as reaction
        on reaction.message_id = page.id
      left join chat.page_polls(array(select id from page), ${readerId}::text) as poll
        on poll.message_id = page.id
      order by page.seq ${order}`
    const first = rows[0]
    return {
      rows: rows.filter((row) => row.id !== null),
      latest: { ...(first as Partial<Extra>), revision: Number(first?.room_revision ?? 0) },
    }
  }

  /**
   * The newest page, as a big call's people all ask for it at once when it starts: the room's
   * messages for everyone are read once for all the requests in flight, and each reader's own
   * private messages and waiting messages (only in rooms that have any) are added to their copy.
   */
  async function loadNewestPage(room: string, limit: number, readerId: string) {
    const key = `${room}\n${limit}`
    let shared = newestPages.get(key)
    if (!shared) {
      shared = readNewestPublicPage(room, limit)
      newestPages.set(key, shared)
      const forget = () => newestPages.delete(key)
      shared.then(forget, forget)
    }
    const { rows: publicRows, revision: sharedRevision, roomHasPrivate } = await shared
    let rows = publicRows
    let revision = sharedRevision
    if (roomHasPrivate) {
      // Only the reader's private messages newer than the oldest of the page can be in it.
      const oldest = publicRows.length > limit ? publicRows.at(-1)?.seq : undefined
      const { rows: own, latest } = await pageWithRevision(
        ownRevisionAfterShared(room, readerId, sharedRevision),
        sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
            where room = ${room} and deleted_at is null
              and ((recipient_id is not null
                    and (sender_id = ${readerId} or recipient_id = ${readerId}))
                   or (review = 'pending' and sender_id = ${readerId}))
              ${oldest !== undefined ? sql`and seq > ${oldest}` : sql``}
            order by seq desc limit ${limit + 1}`,
        sql`desc`,
        readerId,
      )
      revision = Math.max(sharedRevision, latest.revision)
      if (own.length > 0) {
        rows = [...publicRows, ...own]
          .sort((a, b) => Number(b.seq) - Number(a.seq))
          .slice(0, limit + 1)
      }
    }
    const hasMore = rows.length > limit
    const visible = rows.slice(0, limit).reverse()
    return {
      messages: await withOwnVotes(visible.map(toPersistedMessage), readerId),
      hasMore,
      revision,
    }
  }

  /**
   * `messages` with `readerId`'s own vote in each poll among them (the shared newest page reads
   * polls for nobody in particular): one more query, only when the page has a poll.
   */
  async function withOwnVotes(
    messages: PersistedMessage[],
    readerId: string,
  ): Promise<PersistedMessage[]> {
    const polls = messages.flatMap((message) => (message.poll ? [message.id] : []))
    if (polls.length === 0) return messages
    const votes = await sql<{ message_id: string; option: number }[]>`
      select message_id, option from chat.poll_votes
      where user_id = ${readerId} and message_id in ${sql(polls)}`
    const mine = new Map(votes.map((vote) => [vote.message_id, vote.option]))
    return messages.map((message) => {
      const myVote = mine.get(message.id)
      if (!message.poll || myVote === undefined) return message
      return { ...message, poll: { ...message.poll, myVote } }
    })
  }

  /**
   * Only the messages `readerId` may see (as chat.message_visible_to decides): the room's approved
   * ones, private ones they sent or received, and their own that wait for approval.
   */
  const visibleTo = (readerId: string) =>
    sql`and (recipient_id is null or sender_id = ${readerId} or recipient_id = ${readerId})
        and (review = 'approved' or sender_id = ${readerId})`

  /** The newest revision of a room's messages for everyone (null when none): one index probe. */
  function publicRevision(room: string) {
    return sql`(select max(revision) from chat.messages
                where room = ${room} and recipient_id is null)`
  }

  /**
   * The newest revisions of the private messages `readerId` sent and received in a room, below
   * `below` when given: one probe each (messages_private_sender_revision, _recipient_revision).
   */
  function ownPrivateRevisions(
    room: string,
    readerId: string,
    below?: postgres.PendingQuery<postgres.Row[]>,
  ) {
    const under = below ? sql`and revision < ${below}` : sql``
    return sql`
      (select max(revision) from chat.messages
       where room = ${room} and recipient_id is not null and sender_id = ${readerId} ${under}),
      (select max(revision) from chat.messages
       where room = ${room} and recipient_id is not null and recipient_id = ${readerId} ${under})`
  }

  /**
   * A room's revision as `readerId` sees it: the newest of the messages they may see. A private
   * conversation between others, its edits and reactions move it for them not at all.
   */
  const visibleRevision = (room: string, readerId: string) =>
    sql`greatest(${publicRevision(room)}, ${ownPrivateRevisions(room, readerId)})`

  /**
   * The reader's share of the newest page's revision, read after the shared page: their private
   * messages' newest revision, but below any change for everyone made since the shared page
   * was read (at `shared`). The page has its own private messages as of now, but not those
   * later changes for everyone: a revision past one would skip it when catching up.
   */
  const ownRevisionAfterShared = (room: string, readerId: string, shared: number) =>
    sql`greatest(${ownPrivateRevisions(
      room,
      readerId,
      sql`coalesce((select min(revision) from chat.messages
                    where room = ${room} and recipient_id is null and revision > ${shared}),
                   ${Number.MAX_SAFE_INTEGER})`,
    )})`

  const store: MessageStore = {
    async persistMessage(message, limit): Promise<PostOutcome> {
      // One round trip: the database function locks the room, checks the id and the rate limit
      // and inserts, so it holds across any number of function instances. A poll is stored by
      // chat.persist_chat_poll, which stores its message the same way and the poll with it.
      let row: PersistRow | undefined
      try {
        ;[row] = message.poll
          ? await sql<PersistRow[]>`
              select result.outcome, result.retry_after_ms, (result.message).*, result.poll,
                     case when result.outcome = 'duplicate'
                       then chat.message_reactions((result.message).id) end as reactions
              from chat.persist_chat_poll(
                ${message.id}::uuid, ${message.room}, ${message.sender.id},
                ${message.sender.name}, ${message.body}, ${sql.json(message.poll.options)}::jsonb,
                ${limit.messages}::int, make_interval(secs => ${limit.windowSeconds}::int),
                ${message.replyTo ?? null}::uuid, ${sql.json(message.mentions ?? [])}::jsonb,
                ${message.senderIsOwner === true}::boolean
              ) as result`
          : await sql<PersistRow[]>`
              select result.outcome, result.retry_after_ms, (result.message).*,
                     -- A new message has none; a retry answers the message as it is now.
                     case when result.outcome = 'duplicate'
                       then chat.message_reactions((result.message).id) end as reactions,
                     case when result.outcome = 'duplicate'
                       then ${pollOf(sql`(result.message).id`, message.sender.id)} end as poll
              from chat.persist_chat_message(
                ${message.id}::uuid, ${message.room}, ${message.sender.id}, ${message.sender.name},
                ${message.body}, ${sql.json(message.attachments)}::jsonb, ${limit.messages}::int,
                make_interval(secs => ${limit.windowSeconds}::int), ${message.replyTo ?? null}::uuid,
                ${sql.json(message.mentions ?? [])}::jsonb, ${message.to?.id ?? null}::text,
                ${message.to?.name ?? null}::text, ${message.senderIsOwner === true}::boolean
              ) as result`
      } catch (error) {
        // The messages table refuses blocked senders (trigger messages_refuse_blocked).
        if ((error as { code?: string }).code === BLOCKED_SENDER) {
          return { kind: 'blocked', reason: (error as { detail?: string }).detail ?? '' }
        }
        // Attaching claims each file's upload (trigger messages_claim_uploads); the detail is its path.
        const refusedFile = FILE_REFUSALS[(error as { code?: string }).code ?? '']
        if (refusedFile) {
          return { kind: refusedFile, path: (error as { detail?: string }).detail ?? '' }
        }
        // Each mention must give its person their name in the room (messages_require_mention_names).
        if ((error as { code?: string }).code === MISLABELLED_MENTION) {
          return { kind: 'mislabelled_mention', name: (error as { detail?: string }).detail ?? '' }
        }
        // The parent must be a message of the room (trigger messages_require_reply_parent).
        if ((error as { code?: string }).code === BAD_REPLY) {
          const detail = (error as { detail?: string }).detail
          return {
            kind: 'invalid_reply',
            reason: detail === 'other_room' || detail === 'private' ? detail : 'unknown',
          }
        }
        throw error
      }
      if (!row) throw new Error('persist_chat_message returned no row')
      switch (row.outcome) {
        case 'created':
        case 'duplicate':
          // The same id and text stored as a poll, sent again as a message that is none.
          if (!message.poll && row.poll) return { kind: 'conflict' }
          return { kind: row.outcome, message: toPersistedMessage(row) }
        case 'rate_limited':
        case 'slow_mode':
          return {
            kind: row.outcome,
            retryAfterSeconds: Math.max(1, Math.ceil(row.retry_after_ms / 1000)),
          }
        default:
          return { kind: row.outcome }
      }
    },

    async loadHistoryPage(room, { limit, before, after }, readerId) {
      if (before === undefined && after === undefined) {
        return loadNewestPage(room, limit, readerId)
      }
      // With the room's revision as the reader sees it as of the page, from which catching up continues.
      const order = after !== undefined ? sql`asc` : sql`desc`
      const page =
        after !== undefined
          ? sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
                where room = ${room} and deleted_at is null and seq > ${after} ${visibleTo(readerId)}
                order by seq asc limit ${limit + 1}`
          : sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
                where room = ${room} and deleted_at is null ${visibleTo(readerId)}
                  ${before !== undefined ? sql`and seq < ${before}` : sql``}
                order by seq desc limit ${limit + 1}`
      const { rows: messages, latest } = await pageWithRevision(
        visibleRevision(room, readerId),
        page,
        order,
        readerId,
      )
      const revision = latest.revision
      const hasMore = messages.length > limit
      const visible = messages.slice(0, limit)
      if (after === undefined) visible.reverse()
      return { messages: visible.map(toPersistedMessage), hasMore, revision }
    },

    async editMessage(room, id, senderId, body, senderIsOwner) {
      let row: EditRow | undefined
      try {
        ;[row] = await sql<EditRow[]>`
          select result.outcome, result.block_reason, (result.message).*,
                 chat.message_reactions((result.message).id) as reactions,
                 ${pollOf(sql`(result.message).id`, senderId)} as poll
          from chat.edit_chat_message(
            ${id}::uuid, ${room}, ${senderId}, ${body}, ${senderIsOwner}::boolean
          ) as result`
      } catch (error) {
        // A poll's question keeps to its length (trigger messages_keep_poll_question).
        if ((error as { code?: string }).code === POLL_QUESTION_TOO_LONG) {
          return { kind: 'question_too_long' }
        }
        throw error
      }
      if (!row) throw new Error('edit_chat_message returned no row')
      switch (row.outcome) {
        case 'edited':
        case 'unchanged':
          return { kind: row.outcome, message: toPersistedMessage(row) }
        case 'blocked':
          return { kind: 'blocked', reason: row.block_reason }
        default:
          return { kind: row.outcome }
      }
    },

    async deleteMessage(room, id, actorId, isOwner) {
      const [row] = await sql<{ outcome: DeleteOutcome['kind'] }[]>`
        select chat.delete_chat_message(${id}::uuid, ${room}, ${actorId}, ${isOwner}) as outcome`
      if (!row) throw new Error('delete_chat_message returned no row')
      return { kind: row.outcome }
    },

    async toggleReaction(room, id, userId, emoji, on, userIsOwner) {
      let row: ReactionRow | undefined
      try {
        ;[row] = await sql<ReactionRow[]>`
          select result.outcome, result.block_reason, (result.message).*, result.reactions,
                 ${pollOf(sql`(result.message).id`, userId)} as poll
          from chat.toggle_chat_reaction(
            ${id}::uuid, ${room}, ${userId}, ${emoji}, ${on}, ${userIsOwner}::boolean
          ) as result`
      } catch (error) {
        // At most 20 different emoji per message (trigger reactions_check_insert).
        if ((error as { code?: string }).code === TOO_MANY_REACTIONS) return { kind: 'too_many' }
        throw error
      }
      if (!row) throw new Error('toggle_chat_reaction returned no row')
      switch (row.outcome) {
        case 'added':
        case 'removed':
        case 'unchanged':
          return { kind: row.outcome, message: toPersistedMessage(row) }
        case 'blocked':
          return { kind: 'blocked', reason: row.block_reason }
        default:
          return { kind: row.outcome }
      }
    },

    async loadChanges(room, { since, limit }, readerId) {
      // The oldest visible seq rides along (one index probe): below it, retention removed
      // messages for good, which no change row can announce.
      const rows = await sql<(MessageRow & { first_seq: string | null })[]>`
        select first.first_seq, changed.*
        from (select min(seq) as first_seq from chat.messages
              where room = ${room} and deleted_at is null ${visibleTo(readerId)}) as first
        left join lateral (
          with changed as (
            select ${sql(MESSAGE_COLUMNS)} from chat.messages
            where room = ${room} and revision > ${since} ${visibleTo(readerId)}
            order by revision asc limit ${limit + 1}
          )
          select changed.*, reaction.reactions, poll.poll
          from changed
          left join chat.page_reactions(
            array(select id from changed where deleted_at is null)
          ) as reaction on reaction.message_id = changed.id
          left join chat.page_polls(
            array(select id from changed where deleted_at is null), ${readerId}::text
          ) as poll on poll.message_id = changed.id
        ) as changed on true
        order by changed.revision asc`
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

    async loadTranscriptPage(room, { afterSeq, throughSeq, limit }, readerId) {
      const rows = await withReactions(
        sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
            where room = ${room} and deleted_at is null
              and seq > ${afterSeq} and seq <= ${throughSeq} ${visibleTo(readerId)}
            order by seq asc limit ${limit}`,
        sql`found.seq asc`,
        readerId,
      )
      return rows.map(toPersistedMessage)
    },

    async latestSeq(room, readerId) {
      const [row] = await sql<{ seq: string | null }[]>`
        select max(seq) as seq from chat.messages
        where room = ${room} and deleted_at is null ${visibleTo(readerId)}`
      return Number(row?.seq ?? 0)
    },

    async loadMessage(room, id, readerId) {
      const [row] = await sql<MessageRow[]>`
        select ${sql(MESSAGE_COLUMNS)}, chat.message_reactions(id) as reactions,
               ${pollOf(sql`id`, readerId)} as poll
        from chat.messages
        where id = ${id}::uuid and room = ${room} and deleted_at is null ${visibleTo(readerId)}`
      return row && toPersistedMessage(row)
    },

    async searchMessages(room, { words, before, limit }, readerId) {
      // Words are letters and digits only (searchWords), so quoting each makes a valid tsquery;
      // the last one matches as a prefix, as the person may still be typing it.
      const query = words
        .map((word, index) => `'${word}'${index === words.length - 1 ? ':*' : ''}`)
        .join(' & ')
      const matching = sql`
        room = ${room} and deleted_at is null ${visibleTo(readerId)}
        ${before !== undefined ? sql`and seq < ${before}` : sql``}`
      // Words most messages have fill a page from the newest few hundred messages: reading the
      // room backwards stops as soon as the page is full, where the word index would collect
      // every match in the room first. Rarer words fall through to the index.
      const recent = sql`
        select ${sql(MESSAGE_COLUMNS)} from (
          select ${sql(MESSAGE_COLUMNS)}, search from chat.messages
          where ${matching}
          order by seq desc limit ${RECENT_SEARCH_WINDOW}
        ) as recent
        where search @@ to_tsquery('simple', ${query})
        order by seq desc limit ${limit + 1}`
      // Materialized, so the matches come from the word index (messages_search) and only they
      // are sorted: asked for in seq order, the planner may walk the room's messages (or the
      // whole table, by seq) newest first looking for a rare word, all of them if it is absent.
      const indexed = sql`
        with matches as materialized (
          select ${sql(MESSAGE_COLUMNS)} from chat.messages
          where ${matching} and search @@ to_tsquery('simple', ${query})
        )
        select * from matches order by seq desc limit ${limit + 1}`
      const newestFirst = sql`found.seq desc`
      let rows = await withReactions(recent, newestFirst, readerId)
      if (rows.length <= limit) rows = await withReactions(indexed, newestFirst, readerId)
      return {
        messages: rows.slice(0, limit).map(toPersistedMessage),
        hasMore: rows.length > limit,
      }
    },

    async pinMessage(room, id, actorId, on) {
      const [row] = await sql<
        (
          | (MessageRow & { outcome: 'pinned' | 'unpinned' | 'unchanged' })
          | (NoMessage & { outcome: 'not_found' | 'private' | 'too_many' })
        )[]
      >`
        select result.outcome, (result.message).*,
               chat.message_reactions((result.message).id) as reactions,
               ${pollOf(sql`(result.message).id`, actorId)} as poll
        from chat.pin_chat_message(${id}::uuid, ${room}, ${actorId}, ${on}) as result`
      if (!row) throw new Error('pin_chat_message returned no row')
      switch (row.outcome) {
        case 'pinned':
        case 'unpinned':
        case 'unchanged':
          return { kind: row.outcome, message: toPersistedMessage(row) }
        default:
          return { kind: row.outcome }
      }
    },

    async votePoll(room, id, userId, option, userIsOwner) {
      const [row] = await sql<VoteRow[]>`
        select result.outcome, result.block_reason, (result.message).*, result.poll,
               chat.message_reactions((result.message).id) as reactions,
               case when result.outcome = 'no_such_option'
                 then (select cardinality(options) from chat.polls where message_id = ${id}::uuid)
               end as options
        from chat.vote_chat_poll(
          ${id}::uuid, ${room}, ${userId}, ${option}::int, ${userIsOwner}::boolean
        ) as result`
      if (!row) throw new Error('vote_chat_poll returned no row')
      switch (row.outcome) {
        case 'voted':
        case 'withdrawn':
        case 'unchanged':
          return { kind: row.outcome, message: toPersistedMessage(row) }
        case 'blocked':
          return { kind: 'blocked', reason: row.block_reason }
        case 'no_such_option':
          return { kind: 'no_such_option', options: row.options ?? 0 }
        default:
          return { kind: row.outcome }
      }
    },

    async loadQuestions(room, readerId, readerIsOwner) {
      const rows = await sql<{ question: StoredQuestion }[]>`
        select question from chat.room_questions(${room}, ${readerId}, ${readerIsOwner}::boolean)`
      return rows.map((row) => row.question)
    },

    async askQuestion(room, { id, asker, body, anonymous }, askerIsOwner) {
      const [row] = await sql<QuestionRow[]>`
        select outcome, block_reason, question from chat.ask_question(
          ${id}::uuid, ${room}, ${asker.id}, ${asker.name}, ${body}, ${anonymous}::boolean,
          ${askerIsOwner}::boolean
        )`
      if (!row) throw new Error('ask_question returned no row')
      switch (row.outcome) {
        case 'created':
        case 'duplicate':
          return { kind: row.outcome, question: questionOf(row, 'ask_question') }
        case 'blocked':
          return { kind: 'blocked', reason: row.block_reason ?? '' }
        case 'conflict':
        case 'anonymous_off':
        case 'board_full':
        case 'questions_off':
        case 'owners_only':
          return { kind: row.outcome }
        default:
          throw new Error(`ask_question answered ${row.outcome}`)
      }
    },

    async voteQuestion(room, id, voterId, up, voterIsOwner) {
      const [row] = await sql<QuestionRow[]>`
        select outcome, block_reason, question from chat.vote_question(
          ${id}::uuid, ${room}, ${voterId}, ${up}::boolean, ${voterIsOwner}::boolean
        )`
      if (!row) throw new Error('vote_question returned no row')
      switch (row.outcome) {
        case 'voted':
        case 'withdrawn':
        case 'unchanged':
          return { kind: row.outcome, question: questionOf(row, 'vote_question') }
        case 'blocked':
          return { kind: 'blocked', reason: row.block_reason ?? '' }
        case 'not_found':
        case 'own_question':
        case 'closed':
        case 'questions_off':
        case 'owners_only':
          return { kind: row.outcome }
        default:
          throw new Error(`vote_question answered ${row.outcome}`)
      }
    },

    async editQuestion(room, id, userId, body, userIsOwner) {
      const [row] = await sql<QuestionRow[]>`
        select outcome, block_reason, question from chat.edit_question(
          ${id}::uuid, ${room}, ${userId}, ${body}, ${userIsOwner}::boolean
        )`
      if (!row) throw new Error('edit_question returned no row')
      switch (row.outcome) {
        case 'edited':
        case 'unchanged':
          return { kind: row.outcome, question: questionOf(row, 'edit_question') }
        case 'blocked':
          return { kind: 'blocked', reason: row.block_reason ?? '' }
        case 'not_found':
        case 'forbidden':
        case 'closed':
        case 'has_votes':
        case 'questions_off':
        case 'owners_only':
          return { kind: row.outcome }
        default:
          throw new Error(`edit_question answered ${row.outcome}`)
      }
    },

    async withdrawQuestion(room, id, userId) {
      const [row] = await sql<{ outcome: string }[]>`
        select chat.withdraw_question(${id}::uuid, ${room}, ${userId}) as outcome`
      switch (row?.outcome) {
        case 'withdrawn':
        case 'not_found':
        case 'forbidden':
          return { kind: row.outcome }
        default:
          throw new Error(`withdraw_question answered ${row?.outcome}`)
      }
    },

    async setQuestionState(room, id, actorId, state, answer) {
      const [row] = await sql<QuestionRow[]>`
        select outcome, question from chat.set_question_state(
          ${id}::uuid, ${room}, ${actorId}, ${state}, ${answer ?? null}::text
        )`
      switch (row?.outcome) {
        case 'changed':
        case 'unchanged':
          return { kind: row.outcome, question: row.question }
        case 'not_found':
        case 'pending':
          return { kind: row.outcome }
        default:
          // invalid_state and invalid_answer: the protocol lets neither through.
          throw new Error(`set_question_state answered ${row?.outcome}`)
      }
    },

    async reviewQuestions(room, ids, actorId, approve) {
      const rows = await sql<
        { id: string; outcome: ReviewedQuestion['outcome']; question: StoredQuestion | null }[]
      >`
        select id, outcome, question
        from chat.review_questions(
          ${room},
          -- As JSON: the store sends no arrays (no type lookup, see fetch_types).
          array(
            select value::uuid
            from jsonb_array_elements_text(${sql.json([...ids])}::jsonb) with ordinality as e (value, n)
            order by n
          ),
          ${actorId},
          ${approve}::boolean
        )`
      return rows.map(({ id, outcome, question }) => ({
        id,
        outcome,
        ...(question ? { question } : {}),
      }))
    },

    async loadPendingMessages(room) {
      // Owners read the queue as its senders' messages: polls as nobody in particular sees them.
      const rows = await withReactions(
        sql`select ${sql(MESSAGE_COLUMNS)} from chat.pending_messages(${room})`,
        sql`found.seq asc`,
        '',
      )
      return rows.map(toPersistedMessage)
    },

    async reviewMessages(room, ids, actorId, approve) {
      const rows = await sql<
        (MessageRow & { result_id: string; outcome: ReviewedMessage['outcome'] })[]
      >`
        select result.id as result_id, result.outcome, (result.message).*,
               chat.message_reactions((result.message).id) as reactions,
               ${pollOf(sql`(result.message).id`, actorId)} as poll
        from chat.review_messages(
          ${room},
          -- As JSON: the store sends no arrays (no type lookup, see fetch_types).
          array(
            select value::uuid
            from jsonb_array_elements_text(${sql.json([...ids])}::jsonb) with ordinality as e (value, n)
            order by n
          ),
          ${actorId},
          ${approve}::boolean
        ) with ordinality as result
        order by result.ordinality`
      return rows.map(
        (row): ReviewedMessage => ({
          id: row.result_id,
          outcome: row.outcome,
          ...(row.id ? { message: toPersistedMessage(row) } : {}),
        }),
      )
    },

    async closePoll(room, id, actorId, actorIsOwner) {
      const [row] = await sql<CloseRow[]>`
        select result.outcome, (result.message).*, result.poll,
               chat.message_reactions((result.message).id) as reactions
        from chat.close_chat_poll(${id}::uuid, ${room}, ${actorId}, ${actorIsOwner}::boolean)
          as result`
      if (!row) throw new Error('close_chat_poll returned no row')
      switch (row.outcome) {
        case 'closed':
        case 'unchanged':
          return { kind: row.outcome, message: toPersistedMessage(row) }
        default:
          return { kind: row.outcome }
      }
    },

    async loadPins(room, readerId) {
      // Pins are never private (the database refuses it): everyone in the room sees them all.
      const rows = await withReactions(
        sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
            where room = ${room} and pinned_at is not null and deleted_at is null
              and review = 'approved'
            order by pinned_at desc limit ${MAX_PINS}`,
        sql`found.pinned_at desc`,
        readerId,
      )
      return rows.map(toPersistedMessage)
    },

    async loadReports(room, readerId, isOwner) {
      const mine = await sql<{ message_id: string }[]>`
        select report.message_id from chat.reports as report
        join chat.messages as message on message.id = report.message_id
        where message.room = ${room} and report.reporter_id = ${readerId}
        order by report.created_at desc limit 500`
      if (!isOwner) return { mine: mine.map((row) => row.message_id) }
      const open = await sql<{ message_id: string; reports: number }[]>`
        select report.message_id, count(*)::int as reports from chat.reports as report
        join chat.messages as message on message.id = report.message_id
        where message.room = ${room} and report.resolution is null
          and message.deleted_at is null ${visibleTo(readerId)}
        group by report.message_id
        order by max(report.created_at) desc limit 500`
      return {
        mine: mine.map((row) => row.message_id),
        open: open.map((row) => ({ messageId: row.message_id, reports: row.reports })),
      }
    },

    async reportMessage(room, id, reporter, reason) {
      // The message must be the room's: the insert below takes any id, the triggers only check
      // that it is visible and not the reporter's own.
      const [message] = await sql<{ id: string }[]>`
        select id from chat.messages
        where id = ${id}::uuid and room = ${room} and deleted_at is null ${visibleTo(reporter.id)}`
      if (!message) return { kind: 'not_found' }
      let rows: { created: boolean; reason: string; created_at: Date }[]
      try {
        rows = await sql`
          with inserted as (
            insert into chat.reports (message_id, reporter_id, reporter_name, reason)
            values (${id}::uuid, ${reporter.id}, ${reporter.name}, ${reason})
            on conflict (message_id, reporter_id) do nothing
            returning true as created, reason, created_at
          )
          select * from inserted
          union all
          select false, reason, created_at from chat.reports
          where message_id = ${id}::uuid and reporter_id = ${reporter.id}
            and not exists (select from inserted)`
      } catch (error) {
        const code = (error as { code?: string }).code
        if (code === OWN_MESSAGE) return { kind: 'own_message' }
        if (code === NOT_VISIBLE) return { kind: 'not_found' }
        throw error
      }
      const [row] = rows
      if (!row) throw new Error('reporting a message returned no row')
      return {
        kind: row.created ? 'created' : 'duplicate',
        report: { messageId: id, reason: row.reason, createdAt: row.created_at.toISOString() },
      }
    },

    async loadReplyParents(room, ids, readerId) {
      if (ids.length === 0) return []
      // Only what a quote shows: a first line of at most 200 characters, never a deleted text.
      const rows = await sql<
        { id: string; deleted: boolean; sender_name: string; first_line: string | null }[]
      >`
        select id, deleted_at is not null as deleted, sender_name,
               case when deleted_at is null then
                 left(coalesce(nullif(split_part(body, chr(10), 1), ''), attachments -> 0 ->> 'name', ''), 200)
               end as first_line
        from chat.messages
        where room = ${room} and id in ${sql([...ids])} ${visibleTo(readerId)}`
      return rows.map(
        (row): ReplyParent =>
          row.deleted
            ? { id: row.id, deleted: true }
            : {
                id: row.id,
                deleted: false,
                senderName: row.sender_name,
                firstLine: row.first_line ?? '',
              },
      )
    },

    async senderBlockReason(room, userId) {
      const [row] = await sql<{ reason: string | null }[]>`
        select chat.sender_block_reason(${userId}, ${room}) as reason`
      return row?.reason ?? undefined
    },

    async takeQuota(action, subject, quota) {
      const [row] = await sql<{ retry_after_ms: number }[]>`
        select chat.take_action_quota(
          ${action}, ${subject}, ${quota.count}::int, ${quota.windowSeconds}::int
        ) as retry_after_ms`
      const retryAfterMs = row?.retry_after_ms ?? 0
      return retryAfterMs > 0 ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : 0
    },

    async notePeople(people) {
      if (people.length === 0) return
      const rows = people.map(({ room, user, namedAt, expiresAt }) => ({
        room,
        userId: user.id,
        name: user.name,
        namedAt: namedAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
      }))
      await sql`select chat.note_room_people(${sql.json(rows)}::jsonb)`
    },

    async recordUpload({ path, room, uploaderId }) {
      await sql`
        insert into chat.uploads (path, room, uploader_id)
        values (${path}, ${room}, ${uploaderId})`
    },

    async loadUploadStates(room, paths, readerId) {
      if (paths.length === 0) return []
      const rows = await sql<
        { path: string; message_id: string | null; deleted: boolean; hidden: boolean }[]
      >`
        select upload.path, upload.message_id, message.deleted_at is not null as deleted,
               coalesce(not chat.message_visible_to(message, ${readerId}), false) as hidden
        from chat.uploads as upload
        left join chat.messages as message on message.id = upload.message_id
        where upload.room = ${room} and upload.path in ${sql(paths as string[])}`
      const byPath = new Map(rows.map((row) => [row.path, row]))
      return paths.map((path): UploadState => {
        const row = byPath.get(path)
        // Someone else's private message's file is, for the reader, a file never shared.
        if (!row || row.hidden) return 'unknown'
        if (row.message_id === null) return 'unsent'
        return row.deleted ? 'withdrawn' : 'sent'
      })
    },

    async loadRoomSettings(room) {
      const [row] = await sql<SettingsRow[]>`
        select ${sql(SETTINGS_COLUMNS)} from chat.room_settings where room = ${room}`
      return row ? toRoomSettings(row) : DEFAULT_ROOM_SETTINGS
    },

    async saveRoomSettings(room, settings, actorId) {
      const { retention, questions, messagesNeedApproval } = settings
      const [row] = await sql<SettingsRow[]>`
        select ${sql(SETTINGS_COLUMNS)} from chat.save_room_settings(
          ${room}, ${settings.send}, ${settings.slowModeSeconds}::int,
          ${settings.privateMessages}::boolean, ${retention?.kind ?? null}::text,
          ${retention?.kind === 'days' ? retention.days : null}::int,
          ${retention?.kind === 'call' ? retention.graceMinutes : null}::int,
          ${questions?.who ?? null}::text, ${questions?.anonymous ?? null}::boolean,
          ${questions?.needApproval ?? null}::boolean, ${messagesNeedApproval ?? null}::boolean,
          ${actorId}
        )`
      if (!row) throw new Error('save_room_settings returned no row')
      return toRoomSettings(row)
    },

    async recordCallEnd(room, endedAt) {
      await sql`select chat.record_call_end(${room}, ${endedAt.toISOString()}::timestamptz)`
    },

    async recordCallStart(room, startedAt) {
      await sql`select chat.record_call_start(${room}, ${startedAt.toISOString()}::timestamptz)`
    },

    async ping() {
      await sql`select 1`
    },

    async close() {
      await sql.end({ timeout: 5 })
    },
  }
  return gateMethods(store, gate, ['close'])
}

/** The longest wait, in seconds, between two attempts to reconnect to the database. */
const RECONNECT_MAX_SECONDS = 0.5

/** SQLSTATE raised when a message would get a 21st different emoji (trigger reactions_check_insert). */
const TOO_MANY_REACTIONS = 'BCRXN'
/** A row of chat.room_settings, as far as the chat reads it. */
/** What the store reads of chat.room_settings (SettingsRow). */
const SETTINGS_COLUMNS = [
  'send',
  'slow_mode_seconds',
  'private_messages',
  'retention_kind',
  'retention_days',
  'retention_grace_minutes',
  'questions',
  'anonymous_questions',
  'questions_need_approval',
  'messages_need_approval',
]

interface SettingsRow {
  send: RoomSettings['send']
  slow_mode_seconds: number
  private_messages: boolean
  retention_kind: RoomRetention['kind']
  retention_days: number | null
  retention_grace_minutes: number | null
  questions: NonNullable<RoomSettings['questions']>['who']
  anonymous_questions: boolean
  questions_need_approval: boolean
  messages_need_approval: boolean
}

const toRoomSettings = (row: SettingsRow): RoomSettings => ({
  send: row.send,
  slowModeSeconds: row.slow_mode_seconds,
  privateMessages: row.private_messages,
  retention: toRetention(row),
  questions: {
    who: row.questions,
    anonymous: row.anonymous_questions,
    needApproval: row.questions_need_approval,
  },
  messagesNeedApproval: row.messages_need_approval,
})

/** The table's checks hold days or a grace period exactly when the kind needs one. */
function toRetention(row: SettingsRow): RoomRetention {
  if (row.retention_kind === 'days') return { kind: 'days', days: row.retention_days ?? 1 }
  if (row.retention_kind === 'call') {
    return { kind: 'call', graceMinutes: row.retention_grace_minutes ?? 0 }
  }
  return { kind: 'default' }
}

/** SQLSTATE raised when an edit makes a poll's question too long (messages_keep_poll_question). */
const POLL_QUESTION_TOO_LONG = 'BCPQL'
/** SQLSTATE raised when someone reports their own message (trigger reports_check_insert). */
const OWN_MESSAGE = 'BCROW'
/** SQLSTATE raised when a reaction or report concerns no visible message. */
const NOT_VISIBLE = 'BCRNF'
/** SQLSTATE raised when a blocked sender's message would be stored. */
const BLOCKED_SENDER = 'BCBLK'
/** SQLSTATE raised when a message replies to one that is unknown or of another room. */
const BAD_REPLY = 'BCRPL'
const MISLABELLED_MENTION = 'BCMEN'
/** SQLSTATEs raised when a message attaches a file it may not (trigger messages_claim_uploads). */
const FILE_REFUSALS: Record<string, 'file_not_yours' | 'file_already_sent'> = {
  BCFNY: 'file_not_yours',
  BCFSN: 'file_already_sent',
}

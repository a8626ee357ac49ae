// Issue 20, item 9: the read floor. The same SQL statements the chat function runs for a history
// page and for a search (functions/chat/postgres-message-store.ts: loadHistoryPage,
// readNewestPublicPage, pageWithRevision, searchMessages), served by a bare node:http server with
// postgres.js on the same database, in a process of its own as the function is. What the function
// adds on top (Hono, token checks, zod, its database gate, signing file URLs) is what its p99 over
// this one's tells.
//
// The store builds these statements inside createPostgresMessageStore, out of reach, so they are
// written out again here: a change to the store's reads must be made here too.
//
// Run as a script (`node --import tsx bench/read-floor.ts`, DATABASE_URL and POOL_MAX in the
// environment) it serves; imported, startReadFloor starts it as a child process.
import { spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { searchWords } from '../functions/_shared/protocol.ts'

/** As the store: the columns reads return (not `search`). */
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
] as const
/** As the store (RECENT_SEARCH_WINDOW) and the protocol's defaults. */
const RECENT_SEARCH_WINDOW = 500
const HISTORY_PAGE = 50
const SEARCH_PAGE = 20
const READY = 'read floor listening on port '

interface Row {
  id: string | null
  room: string
  sender_id: string
  sender_name: string
  body: string
  attachments: unknown[]
  created_at: Date
  edited_at: Date | null
  reply_to: string | null
  mentions: unknown[]
  recipient_id: string | null
  pinned_at: Date | null
  review: 'pending' | 'approved'
  seq: string
  reactions: { emoji: string; userIds: string[] }[] | null
  poll: unknown
  room_revision?: string
  room_has_private?: boolean
}

/** Roughly the function's message JSON: enough that the answer costs about what its answer does. */
const toMessage = (row: Row) => ({
  id: row.id,
  room: row.room,
  sender: { id: row.sender_id, name: row.sender_name },
  body: row.body,
  attachments: row.attachments,
  createdAt: row.created_at.toISOString(),
  ...(row.edited_at ? { editedAt: row.edited_at.toISOString() } : {}),
  ...(row.reply_to ? { replyTo: row.reply_to } : {}),
  ...(row.mentions?.length ? { mentions: row.mentions } : {}),
  ...(row.recipient_id ? { to: row.recipient_id } : {}),
  ...(row.pinned_at ? { pinnedAt: row.pinned_at.toISOString() } : {}),
  ...(row.review === 'pending' ? { pending: true } : {}),
  seq: Number(row.seq),
  reactions: (row.reactions ?? []).map(({ emoji, userIds }) => ({
    emoji,
    count: userIds.length,
    userIds,
  })),
  ...(row.poll ? { poll: row.poll } : {}),
})

/** The floor's request handler over `sql`: history pages, searches and a health check. */
function floorHandler(sql: postgres.Sql) {
  type Fragment = postgres.PendingQuery<postgres.Row[]>

  // The store's pageWithRevision: a page, its reactions and polls (with `readerId`'s votes; none
  // when null) and the room's revision in one statement.
  const pageWithRevision = (
    revision: Fragment,
    page: Fragment,
    order: Fragment,
    readerId: string | null,
    extra = sql``,
  ) =>
    sql<Row[]>`
      with page as (${page})
      select latest.*, page.*, reaction.reactions, poll.poll
      from (select coalesce(${revision}, 0) as room_revision ${extra}) as latest
      left join page on true
      left join chat.page_reactions(array(select id from page)) as reaction
        on reaction.message_id = page.id
      left join chat.page_polls(array(select id from page), ${readerId}::text) as poll
        on poll.message_id = page.id
      order by page.seq ${order}`

  // The store's withReactions, for search.
  const withReactions = (rows: Fragment, order: Fragment, readerId: string) =>
    sql<Row[]>`
      with found as (${rows})
      select found.*, reaction.reactions, poll.poll
      from found
      left join chat.page_reactions(array(select id from found)) as reaction
        on reaction.message_id = found.id
      left join chat.page_polls(array(select id from found), ${readerId}::text) as poll
        on poll.message_id = found.id
      order by ${order}`

  const visibleTo = (readerId: string) =>
    sql`and (recipient_id is null or sender_id = ${readerId} or recipient_id = ${readerId})
        and (review = 'approved' or sender_id = ${readerId})`
  const publicRevision = (room: string) =>
    sql`(select max(revision) from chat.messages
         where room = ${room} and recipient_id is null)`
  const visibleRevision = (room: string, readerId: string) =>
    sql`greatest(${publicRevision(room)},
      (select max(revision) from chat.messages
       where room = ${room} and recipient_id is not null and sender_id = ${readerId}),
      (select max(revision) from chat.messages
       where room = ${room} and recipient_id is not null and recipient_id = ${readerId}))`

  // The store's readNewestPublicPage. The store shares it between the requests for the same
  // room in flight at once (a join storm); so does the floor, or the storm's floor would do 300
  // times the database work the function does.
  const newestPages = new Map<string, Promise<Row[]>>()
  const readNewest = (room: string) =>
    pageWithRevision(
      publicRevision(room),
      sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
          where room = ${room} and deleted_at is null and recipient_id is null
            and review = 'approved'
          order by seq desc limit ${HISTORY_PAGE + 1}`,
      sql`desc`,
      // Shared by every reader, so polls without anyone's own vote, as the store reads them.
      null,
      sql`, (exists(select from chat.messages
                    where room = ${room} and recipient_id is not null and deleted_at is null)
             or exists(select from chat.messages
                       where room = ${room} and review = 'pending' and deleted_at is null))
              as room_has_private`,
    )
  const newestPage = (room: string) => {
    let shared = newestPages.get(room)
    if (!shared) {
      shared = readNewest(room)
      newestPages.set(room, shared)
      const forget = () => newestPages.delete(room)
      shared.then(forget, forget)
    }
    return shared
  }

  async function history(room: string, readerId: string, before?: number, after?: number) {
    let rows: Row[]
    if (before === undefined && after === undefined) {
      rows = await newestPage(room)
      // The store reads the reader's own private (and waiting) messages, and their own votes in the page's
      // polls, with more statements here; the bench's rooms have neither, and the floor does
      // not pretend to answer for rooms that do.
      if (rows[0]?.room_has_private || rows.some((row) => row.poll)) return undefined
    } else {
      const page =
        after !== undefined
          ? sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
                where room = ${room} and deleted_at is null and seq > ${after} ${visibleTo(readerId)}
                order by seq asc limit ${HISTORY_PAGE + 1}`
          : sql`select ${sql(MESSAGE_COLUMNS)} from chat.messages
                where room = ${room} and deleted_at is null ${visibleTo(readerId)}
                  and seq < ${before as number}
                order by seq desc limit ${HISTORY_PAGE + 1}`
      rows = await pageWithRevision(
        visibleRevision(room, readerId),
        page,
        after !== undefined ? sql`asc` : sql`desc`,
        readerId,
      )
    }
    const revision = Number(rows[0]?.room_revision ?? 0)
    const messages = rows.filter((row) => row.id !== null)
    const visible = messages.slice(0, HISTORY_PAGE)
    if (after === undefined) visible.reverse()
    return { messages: visible.map(toMessage), hasMore: messages.length > HISTORY_PAGE, revision }
  }

  async function search(room: string, readerId: string, q: string) {
    const words = searchWords(q)
    const query = words
      .map((word, index) => `'${word}'${index === words.length - 1 ? ':*' : ''}`)
      .join(' & ')
    const matching = sql`room = ${room} and deleted_at is null ${visibleTo(readerId)}`
    const recent = sql`
      select ${sql(MESSAGE_COLUMNS)} from (
        select ${sql(MESSAGE_COLUMNS)}, search from chat.messages
        where ${matching}
        order by seq desc limit ${RECENT_SEARCH_WINDOW}
      ) as recent
      where search @@ to_tsquery('simple', ${query})
      order by seq desc limit ${SEARCH_PAGE + 1}`
    const indexed = sql`
      with matches as materialized (
        select ${sql(MESSAGE_COLUMNS)} from chat.messages
        where ${matching} and search @@ to_tsquery('simple', ${query})
      )
      select * from matches order by seq desc limit ${SEARCH_PAGE + 1}`
    const newestFirst = sql`found.seq desc`
    let rows = await withReactions(recent, newestFirst, readerId)
    if (rows.length <= SEARCH_PAGE) rows = await withReactions(indexed, newestFirst, readerId)
    return {
      messages: rows.slice(0, SEARCH_PAGE).map(toMessage),
      hasMore: rows.length > SEARCH_PAGE,
    }
  }

  const answer = (response: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    response.end(text)
  }

  return async (request: http.IncomingMessage, response: http.ServerResponse) => {
    try {
      const url = new URL(request.url ?? '/', 'http://floor')
      if (url.pathname === '/health') {
        // As the function's: one query, so a connection is open before a storm.
        await sql`select 1`
        return answer(response, 200, { ok: true })
      }
      const route = /^\/rooms\/([^/]+)\/(messages|search)$/.exec(url.pathname)
      if (request.method !== 'GET' || !route) return answer(response, 404, { error: 'no route' })
      const room = decodeURIComponent(route[1] as string)
      const readerId = readerOf(request.headers.authorization)
      if (!readerId) return answer(response, 401, { error: 'a bearer token with `ud`' })
      if (route[2] === 'search') {
        return answer(response, 200, await search(room, readerId, url.searchParams.get('q') ?? ''))
      }
      const cursor = (name: string) => {
        const value = url.searchParams.get(name)
        return value === null ? undefined : Number(value)
      }
      const page = await history(room, readerId, cursor('before'), cursor('after'))
      if (!page) return answer(response, 501, { error: 'rooms with private messages or polls' })
      return answer(response, 200, page)
    } catch (error) {
      answer(response, 500, { error: String(error) })
    }
  }
}

/**
 * The reader's id (`ud`) from the bearer token, read without checking its signature: the function
 * verifies a token once and then remembers it, and the floor does not pretend to be secure.
 */
function readerOf(authorization: string | undefined): string | undefined {
  const payload = authorization?.replace(/^Bearer /, '').split('.')[1]
  if (!payload) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      ud?: unknown
    }
    return typeof claims.ud === 'string' ? claims.ud : undefined
  } catch {
    // Not a token: the caller answers 401.
    return undefined
  }
}

/** Serves the floor on a free port of 127.0.0.1 and says which on stdout. */
async function serve() {
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) throw new Error('read floor: DATABASE_URL is not set')
  // The store's connection options (prepare: false, as behind a transaction pooler) and the
  // bench's pool size for the function.
  const sql = postgres(databaseUrl, {
    prepare: false,
    max: Number(process.env.POOL_MAX) || 4,
    idle_timeout: 20,
    fetch_types: false,
    onnotice: () => {},
  })
  const server = http.createServer(floorHandler(sql))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  console.log(`${READY}${(server.address() as AddressInfo).port}`)
  process.once('SIGINT', () => {
    server.close()
    server.closeAllConnections()
    sql.end({ timeout: 5 }).then(() => process.exit(0))
  })
}

export interface ReadFloor {
  /** Its base URL: `${url}/rooms/:room/messages` as the function's. */
  url: string
  stop(): Promise<void>
}

/** The floor in a child process on `databaseUrl` with a pool of `poolMax` connections. */
export async function startReadFloor(databaseUrl: string, poolMax: number): Promise<ReadFloor> {
  const self = fileURLToPath(import.meta.url)
  const child = spawn(process.execPath, ['--import', 'tsx', self], {
    cwd: path.resolve(path.dirname(self), '..'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      POOL_MAX: String(poolMax),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  let output = ''
  const port = await new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk
      const ready = new RegExp(`${READY}(\\d+)`).exec(output)
      if (ready) resolve(ready[1] as string)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    exited.then((code) => reject(new Error(`the read floor exited (${code}):\n${output}`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGINT')
      await exited
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve()

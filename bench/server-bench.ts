import { randomUUID } from 'node:crypto'
import http from 'node:http'
import postgres from 'postgres'
import { type ChatUser, newMessageId } from '../functions/_shared/protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { type DenoFunction, startDenoFunction } from '../test/deno-function.ts'
import { type RunningPgBouncer, startPgBouncer } from '../test/pgbouncer.ts'
import {
  againstFloor,
  atLeast,
  atMost,
  type BenchContext,
  type Figure,
  info,
  inTurn,
  percentile,
  round,
} from './figures.ts'
import { type ReadFloor, startReadFloor } from './read-floor.ts'

/** Concurrent writers, each in a room of its own so the per-room advisory lock never queues. */
const WRITERS = 32
const WRITE_WARMUP_MS = 1_500
const WRITE_MEASURE_MS = 8_000
/** Upper bound on the operations of one writer in one phase, whatever the clock says. */
const MAX_OPS_PER_WRITER = 1_000_000

/** The first million messages are spread over these rooms, 1,000 each (history-0 to -999). */
const HISTORY_ROOMS = 1_000
/**
 * Ten times the data (issue 14, item 2): messages 1,000,001 to 10,000,000 go to 9,000 more rooms,
 * interleaved: every ninth to one room of a million messages (for search in a big room), the
 * rest over 8,999 rooms of about 889 each. 10,000 rooms and 10,000,000 messages in all.
 */
const BIG_ROOM = `history-${HISTORY_ROOMS}`
const LATER_ROOMS = 8_999
const TEN_MILLION = 10_000_000
/** Statements of the bulk load, and how many run at once (one per core of this machine). */
const BULK_CHUNK = 500_000
const BULK_WORKERS = 2
/** 1,000 samples, so a p99 is the 10th-slowest request rather than one or two stalls. */
const HISTORY_SAMPLES = 1_000
const HISTORY_WARMUP = 200
/** Rooms whose seqs we read to pick cursors; requests go to random ones of them. */
const SAMPLED_ROOMS = 100
const PAGE = 50
const HTTP_TIMEOUT_MS = 10_000
/**
 * Issue 20, item 9: the function's read p99 over the read floor's (the same statements from a bare
 * node:http server), measured in turn in the same run, for history pages, searches and join storms.
 */
const READ_FLOOR_LIMIT = 1.5

const DAILY_API_KEY = 'backchannel-bench-signing-key-0123456789'
const RATE = { messages: 1_000_000_000, windowSeconds: 10 }

type Sql = ReturnType<typeof postgres>

/**
 * Write path (function vs direct inserts) and history latency at 100,000 to 10,000,000 rows, the
 * function running as Supabase deploys it: on Deno.
 */
export async function benchServer(context: BenchContext): Promise<Figure[]> {
  const { log } = context
  // Same pool size as the direct baseline, so the ratio measures the function (HTTP, token,
  // validation), not a smaller pool.
  const pool = { max: WRITERS, prepare: false, onnotice: () => {}, connect_timeout: 5 }
  const sql = postgres(context.databaseUrl, pool)
  let direct: DenoFunction | undefined
  let pooler: RunningPgBouncer | undefined
  let pooled: DenoFunction | undefined
  let floor: ReadFloor | undefined
  let pooledFloor: ReadFloor | undefined
  try {
    const env = {
      DAILY_API_KEY,
      CHAT_RATE_LIMIT: String(RATE.messages),
      CHAT_RATE_WINDOW_SECONDS: String(RATE.windowSeconds),
      CHAT_DB_POOL_MAX: String(WRITERS),
    }
    // The function in a process of its own, on Deno as deployed (npm start runs it on Node, with
    // Hono's adapter between node:http and the fetch API on every request): the load clients here
    // do not share its event loop.
    direct = await startDenoFunction({ ...env, SUPABASE_DB_URL: context.databaseUrl })
    // Issue 14, item 4: the same function reaching PostgreSQL through PgBouncer in transaction
    // mode, as production reaches Supabase's database through its transaction pooler.
    pooler = await startPgBouncer(context.databaseUrl)
    log(`pooler: PgBouncer in transaction mode, a pool of ${pooler.poolSize} server connections`)
    pooled = await startDenoFunction({ ...env, SUPABASE_DB_URL: pooler.url })
    // Issue 20, item 9: the read floor, straight and through the same pooler, with the
    // function's pool size.
    floor = await startReadFloor(context.databaseUrl, WRITERS)
    pooledFloor = await startReadFloor(pooler.url, WRITERS)
    const apis: Apis = {
      direct: direct.url,
      pooled: pooled.url,
      floor: floor.url,
      pooledFloor: pooledFloor.url,
    }
    const tokens = createRoomTokens({ apiKey: DAILY_API_KEY, ttlSeconds: 60 * 60 })

    const figures: Figure[] = []
    figures.push(...(await benchWrites(apis, tokens, sql, log)))
    figures.push(...(await benchHistory(apis, tokens, sql, log)))
    return figures
  } finally {
    await pooledFloor?.stop()
    await floor?.stop()
    await pooled?.stop()
    await pooler?.stop()
    await direct?.stop()
    await sql.end({ timeout: 5 })
  }
}

/**
 * The chat function's base URL, straight to PostgreSQL and through the pooler; and the read
 * floor's, the same two ways.
 */
interface Apis {
  direct: string
  pooled: string
  floor: string
  pooledFloor: string
}

/** What is measured against what: the function, and the read floor beside it. */
type Side = 'function' | 'floor'
const SIDES: Side[] = ['function', 'floor']
type Targets = Record<Side, string>
type Paired = Record<Side, number[]>

type Tokens = ReturnType<typeof createRoomTokens>

/**
 * Runs `op` from `WRITERS` concurrent loops: a warm-up, then a measured window. Returns the
 * operations per second completed inside the window.
 */
async function throughput(
  op: (writer: number) => Promise<void>,
  measureMs = WRITE_MEASURE_MS,
): Promise<number> {
  const started = performance.now()
  const measureFrom = started + WRITE_WARMUP_MS
  const stopAt = measureFrom + measureMs
  let counted = 0
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let i = 0; i < MAX_OPS_PER_WRITER && performance.now() < stopAt; i++) {
        const before = performance.now()
        await op(writer)
        // Only operations that started and finished inside the window count.
        if (before >= measureFrom && performance.now() <= stopAt) counted++
      }
    }),
  )
  return counted / (measureMs / 1000)
}

async function benchWrites(
  apis: Apis,
  tokens: Tokens,
  sql: Sql,
  log: (line: string) => void,
): Promise<Figure[]> {
  const rooms = Array.from({ length: WRITERS }, (_, i) => `bench-write-${i}`)
  const users = rooms.map((_, i) => ({ id: `writer-${i}`, name: `Writer ${i}` }))
  const bearer = await Promise.all(
    rooms.map(async (room, i) => `Bearer ${(await tokens.mint(room, users[i] as ChatUser)).token}`),
  )

  /** Messages per second posted to the function at `api` by WRITERS clients. */
  async function throughFunction(api: string, measureMs?: number): Promise<number> {
    let failures = 0
    let firstFailure = ''
    // node:http with keep-alive, not fetch: the clients share this process (and its one core)
    // with the function, and fetch costs them several times the CPU, which the function would
    // pay for.
    const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS })
    try {
      const rate = await throughput(async (writer) => {
        const body = JSON.stringify({
          id: newMessageId((users[writer] as ChatUser).id),
          body: `bench message from writer ${writer}`,
        })
        const response = await send(
          agent,
          `${api}/rooms/${rooms[writer]}/messages`,
          { Authorization: bearer[writer] as string },
          body,
        )
        if (response.status !== 201) {
          failures++
          firstFailure ||= `${response.status} ${response.text.slice(0, 200)}`
        }
      }, measureMs)
      if (failures > 0) {
        throw new Error(`${failures} writes through the function failed: ${firstFailure}`)
      }
      return rate
    } finally {
      agent.destroy()
    }
  }

  log(`write: function over HTTP, ${WRITERS} clients in ${WRITERS} rooms, straight and pooled…`)
  // Straight to PostgreSQL and through PgBouncer in turn (ABBA), each for half the window: the
  // rate drifts as the rooms fill, and both see the same drift.
  const rates = { direct: 0, pooled: 0 }
  for (const via of ['direct', 'pooled', 'pooled', 'direct'] as const) {
    rates[via] += (await throughFunction(apis[via], WRITE_MEASURE_MS / 2)) / 2
  }
  const { direct: viaFunction, pooled } = rates
  log(`write: function over HTTP ${round(viaFunction)} msg/s`)
  log(`write: function over HTTP through PgBouncer ${round(pooled)} msg/s`)

  log('write: direct persist_chat_message…')
  const direct = await throughput(async (writer) => {
    const user = users[writer] as ChatUser
    // The same call, with the same arguments, as functions/chat/postgres-message-store.ts.
    const [row] = await sql<{ outcome: string }[]>`
      select result.outcome, result.retry_after_ms, (result.message).*
      from chat.persist_chat_message(
        ${randomUUID()}::uuid, ${rooms[writer] as string}, ${user.id}, ${user.name},
        ${`bench message from writer ${writer}`}, ${sql.json([])}::jsonb, ${RATE.messages}::int,
        make_interval(secs => ${RATE.windowSeconds}::int), ${null}::uuid, ${sql.json([])}::jsonb,
        ${null}::text, ${null}::text, ${false}::boolean
      ) as result`
    if (row?.outcome !== 'created') throw new Error(`direct write: ${row?.outcome}`)
  })
  log(`write: direct persist_chat_message ${round(direct)} msg/s`)

  log('write: direct plain INSERT…')
  const plain = await throughput(async (writer) => {
    const user = users[writer] as ChatUser
    await sql`
      insert into chat.messages (id, room, sender_id, sender_name, body)
      values (${randomUUID()}::uuid, ${rooms[writer] as string}, ${user.id}, ${user.name},
        ${`bench message from writer ${writer}`})`
  })
  log(`write: direct plain INSERT ${round(plain)} msg/s`)

  const ratio = viaFunction / direct
  log(`write: function/direct ${round(ratio, 2)}`)
  return [
    info(
      'write: function over HTTP through PgBouncer (transaction mode) (msg/s)',
      round(pooled),
      'msg/s',
    ),
    atLeast(
      'write: function through PgBouncer / function straight to PostgreSQL',
      round(pooled / viaFunction, 2),
      'x',
      0.8,
    ),
    info(
      `write: function over HTTP, ${WRITERS} clients/${WRITERS} rooms (msg/s)`,
      round(viaFunction),
      'msg/s',
    ),
    info('write: direct persist_chat_message, same concurrency (msg/s)', round(direct), 'msg/s'),
    info('write: direct plain INSERT, same concurrency (msg/s)', round(plain), 'msg/s'),
    atLeast('write: function / direct persist_chat_message', round(ratio, 2), 'x', 0.5),
  ]
}

/** One request over a keep-alive agent, bounded in time: a JSON POST when there is a body. */
function send(
  agent: http.Agent,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        agent,
        headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        timeout: HTTP_TIMEOUT_MS,
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          text += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
        response.on('error', reject)
      },
    )
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)))
    request.on('error', reject)
    request.end(body)
  })
}

/**
 * Appends messages `from`..`to` (1-based). The first million go round-robin over HISTORY_ROOMS
 * rooms; later ones as BIG_ROOM and LATER_ROOMS say. Message g's body is "seeded message number g".
 */
async function seed(sql: Sql, from: number, to: number) {
  // Ids in order of g: a random uuid primary key makes the bulk load several times slower, and
  // history never reads by id. Rooms interleave, as in a live deployment.
  await sql`
    insert into chat.messages (id, room, sender_id, sender_name, body, created_at)
    select
      ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
      case
        when g <= 1000000 then 'history-' || (g % ${HISTORY_ROOMS})
        when g % 9 = 0 then ${BIG_ROOM}
        else 'history-' || (${HISTORY_ROOMS + 1} + g % ${LATER_ROOMS})
      end,
      'seed-' || (g % 7),
      'Seeder ' || (g % 7),
      'seeded message number ' || g,
      now() - make_interval(secs => ${TEN_MILLION} - g)
    from generate_series(${from}::int, ${to}::int) as g`
}

/**
 * A bulk load of messages `from`..`to`, as one is done: the table's secondary indexes are dropped,
 * the rows inserted by BULK_WORKERS connections at once, and the indexes built again (the word
 * index on one connection, the others on a second). Returns the seconds each part took.
 */
async function bulkSeed(sql: Sql, from: number, to: number) {
  const started = performance.now()
  // Every index of the table that no constraint owns, as the migrations define it.
  const indexes = await sql<{ name: string; definition: string; gin: boolean }[]>`
    select i.indexname as name, i.indexdef as definition, i.indexdef like '% USING gin %' as gin
    from pg_indexes i
    where i.schemaname = 'chat' and i.tablename = 'messages'
      and not exists (
        select from pg_constraint c
        where c.conrelid = 'chat.messages'::regclass and c.conname = i.indexname)`
  for (const { name } of indexes) await sql`drop index ${sql('chat')}.${sql(name)}`
  const chunks: [number, number][] = []
  for (let first = from; first <= to; first += BULK_CHUNK) {
    chunks.push([first, Math.min(to, first + BULK_CHUNK - 1)])
  }
  await Promise.all(
    Array.from({ length: BULK_WORKERS }, async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) await seed(sql, ...chunk)
    }),
  )
  const inserted = performance.now()
  await Promise.all(
    [indexes.filter((index) => index.gin), indexes.filter((index) => !index.gin)].map((group) =>
      sql.begin(async (tx) => {
        await tx`set local maintenance_work_mem = '1GB'`
        for (const { definition } of group) await tx.unsafe(definition)
      }),
    ),
  )
  return {
    insertSeconds: (inserted - started) / 1000,
    indexSeconds: (performance.now() - inserted) / 1000,
  }
}

interface HistoryCursors {
  room: string
  bearer: string
  deepBefore: number
  gapAfter: number
}

/** SAMPLED_ROOMS rooms spread evenly over the first `rooms` history rooms, the big room left out. */
function sampledRooms(rooms: number): string[] {
  return Array.from(
    { length: SAMPLED_ROOMS },
    (_, i) =>
      `history-${Math.floor((i * rooms) / SAMPLED_ROOMS) + (rooms > HISTORY_ROOMS ? 1 : 0)}`,
  )
}

/** Per sampled room: a cursor deep in its history and one near its end. */
async function cursors(sql: Sql, tokens: Tokens, rooms: string[]): Promise<HistoryCursors[]> {
  const rows = await sql<{ room: string; seqs: string[] }[]>`
    select room, array_agg(seq order by seq) as seqs from chat.messages
    where room = any(${rooms}) and deleted_at is null group by room`
  return Promise.all(
    rows.map(async ({ room, seqs }) => {
      const seq = seqs.map(Number)
      const { token } = await tokens.mint(room, { id: 'reader', name: 'Reader' })
      return {
        room,
        bearer: `Bearer ${token}`,
        // A full page right after the room's oldest page: the deepest page there is.
        deepBefore: seq[PAGE + 1] as number,
        // 60 messages before the end: a full page of 50 and more to come.
        gapAfter: seq[seq.length - 61] as number,
      }
    }),
  )
}

type Query = 'newest page' | 'deep page' | 'gap fill'
const QUERIES: Query[] = ['newest page', 'deep page', 'gap fill']

/** One read, asked of the function and of the floor alike. */
interface Read {
  /** Its path under the base URL, e.g. `/rooms/history-3/messages?before=12`. */
  path: string
  bearer: string
  /** What is wrong with the answer, or undefined when it is what the read asks for. */
  wrong: (status: number, messages: number | undefined) => string | undefined
}

/** Keep-alive agents of one connection each, one per side. */
const readAgents = (): Record<Side, http.Agent> => ({
  function: new http.Agent({ keepAlive: true, maxSockets: 1 }),
  floor: new http.Agent({ keepAlive: true, maxSockets: 1 }),
})

/**
 * Sequential latencies (ms) of the reads `next` picks, each asked of the function and then of the
 * floor or the other way round (in turn), after HISTORY_WARMUP unmeasured ones: the same request
 * mix, at the same concurrency, through the same drift of the machine. The client is node:http on
 * one keep-alive connection per side, as for the write path: fetch's own allocations and
 * collections in this process would show up in the tail we are measuring.
 */
async function pairedLatencies(
  agents: Record<Side, http.Agent>,
  targets: Targets,
  next: () => Read,
): Promise<Paired> {
  const times: Paired = { function: [], floor: [] }
  for (let i = 0; i < HISTORY_WARMUP + HISTORY_SAMPLES; i++) {
    const read = next()
    for (const side of inTurn(SIDES, i)) {
      const started = performance.now()
      const response = await send(agents[side], `${targets[side]}${read.path}`, {
        Authorization: read.bearer,
      })
      const page = JSON.parse(response.text) as { messages?: unknown[] }
      const elapsed = performance.now() - started
      const wrong = read.wrong(response.status, page.messages?.length)
      if (wrong) throw new Error(`${side}: ${read.path}: ${wrong}`)
      if (i >= HISTORY_WARMUP) times[side].push(elapsed)
    }
  }
  return times
}

/** A history request of one kind in a random sampled room. */
function historyRead(rooms: HistoryCursors[], query: Query): Read {
  const room = rooms[Math.floor(Math.random() * rooms.length)] as HistoryCursors
  const search =
    query === 'deep page'
      ? `?before=${room.deepBefore}`
      : query === 'gap fill'
        ? `?after=${room.gapAfter}`
        : ''
  return {
    path: `/rooms/${room.room}/messages${search}`,
    bearer: room.bearer,
    wrong: (status, messages) =>
      status !== 200 || messages !== PAGE ? `${query}: ${status}, ${messages} messages` : undefined,
  }
}

/**
 * The figures of reads measured against the floor: the function's p50 and p99 and the floor's
 * (information: this machine's times drift between runs), the p50 ratio (information) and the
 * p99 ratio, which has the target.
 */
function readsAgainstFloor(
  what: string,
  times: Paired,
  log: (line: string) => void,
  digits = 2,
): Figure[] {
  const figures = againstFloor(
    {
      product: (p) => `${what} ${p} (ms)`,
      floor: (p) => `${what}, read floor ${p} (ms)`,
      ratio: (p) => `${what} ${p}, function / floor`,
      limit: READ_FLOOR_LIMIT,
      targets: ['p99'],
      digits,
    },
    times.function,
    times.floor,
  )
  const [p50, p99, floorP50, floorP99, ratioP50, ratioP99] = figures.map((figure) => figure.value)
  log(
    `${what}: function p50 ${p50} ms, p99 ${p99} ms; floor p50 ${floorP50} ms, p99 ${floorP99} ms; ` +
      `function / floor p50 ${ratioP50}, p99 ${ratioP99}`,
  )
  return figures
}

type SearchKind = 'common words' | 'a rare word'
const SEARCHES: SearchKind[] = ['common words', 'a rare word']

/** A room to search, and a number that one of its messages has (see seed). */
interface SearchRoom {
  room: string
  bearer: string
  rareNumber: () => number
}

/**
 * Room history-k of the first million holds the messages numbered k, k + 1000, k + 2000, ...
 * (numbers start at 1: history-0 has 1000, 2000, ..., never 0, so k alone is never asked for).
 */
const firstMillionRoom = ({ room, bearer }: HistoryCursors): SearchRoom => ({
  room,
  bearer,
  rareNumber: () =>
    Number(room.slice('history-'.length)) + HISTORY_ROOMS * (1 + Math.floor(Math.random() * 899)),
})

/**
 * A search in a random room of `rooms`: words every message of a room has (the newest page of
 * matches), or a number that one message has.
 */
function searchRead(rooms: SearchRoom[], kind: SearchKind): Read {
  const room = rooms[Math.floor(Math.random() * rooms.length)] as SearchRoom
  const q = kind === 'common words' ? 'seeded messa' : `number ${room.rareNumber()}`
  return {
    path: `/rooms/${room.room}/search?q=${encodeURIComponent(q)}`,
    bearer: room.bearer,
    wrong: (status, messages) =>
      status !== 200 || !messages ? `search for ${q}: ${status}, ${messages}` : undefined,
  }
}

/** The figures of each kind of search in `rooms`, against the floor, named after `where`. */
async function benchSearch(
  agents: Record<Side, http.Agent>,
  targets: Targets,
  rooms: SearchRoom[],
  where: string,
  log: (line: string) => void,
): Promise<Figure[]> {
  const figures: Figure[] = []
  for (const kind of SEARCHES) {
    const times = await pairedLatencies(agents, targets, () => searchRead(rooms, kind))
    figures.push(...readsAgainstFloor(`search ${where}: ${kind}`, times, log))
  }
  return figures
}

/** How many people ask for one room's newest page at once in the join storm. */
const JOIN_STORM = 300

/**
 * A big call starting: JOIN_STORM people of one room, each with their own token and connection,
 * ask for the room's newest page at the same moment. Each request's time, from the moment all
 * were sent; every one must succeed.
 */
async function joinStorm(api: string, tokens: Tokens, room: string): Promise<number[]> {
  const bearers = await Promise.all(
    Array.from({ length: JOIN_STORM }, async (_, i) => {
      const { token } = await tokens.mint(room, { id: `joiner-${i}`, name: `Joiner ${i}` })
      return `Bearer ${token}`
    }),
  )
  // A connection each, as separate browsers have (opened before the storm, as their page load did).
  const agents = bearers.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }))
  try {
    await Promise.all(
      agents.map((agent, i) =>
        send(agent, `${api}/health`, { Authorization: bearers[i] as string }),
      ),
    )
    const started = performance.now()
    return await Promise.all(
      agents.map(async (agent, i) => {
        const response = await send(agent, `${api}/rooms/${room}/messages`, {
          Authorization: bearers[i] as string,
        })
        const elapsed = performance.now() - started
        const page = JSON.parse(response.text) as { messages?: unknown[] }
        if (response.status !== 200 || page.messages?.length !== PAGE) {
          throw new Error(`join storm: ${response.status}, ${page.messages?.length} messages`)
        }
        return elapsed
      }),
    )
  } finally {
    for (const agent of agents) agent.destroy()
  }
}

/** The history sizes measured, each seeded on top of the one before. */
const STAGES = [
  { size: 100_000, label: '100k' },
  { size: 1_000_000, label: '1M' },
  { size: TEN_MILLION, label: '10M' },
] as const

/** p50 of one kind of history request at one size, over the p50 at a smaller one. */
const FLATNESS = [
  { larger: '1M', smaller: '100k', limit: 2 },
  // Issue 14, item 2: ten times the data.
  { larger: '10M', smaller: '1M', limit: 1.5 },
] as const

async function benchHistory(
  apis: Apis,
  tokens: Tokens,
  sql: Sql,
  log: (line: string) => void,
): Promise<Figure[]> {
  // Start from an empty table with seq from 1, without the write benchmark's rows.
  // Everything that references messages (uploads, reactions) goes with them.
  await sql`truncate chat.messages restart identity cascade`
  const targets: Targets = { function: apis.direct, floor: apis.floor }
  const agents = readAgents()
  const figures: Figure[] = []
  const p50s = new Map<string, number>()
  try {
    let seeded = 0
    for (const { size, label } of STAGES) {
      const started = performance.now()
      if (size > 1_000_000) {
        const load = await bulkSeed(sql, seeded + 1, size)
        log(
          `history: inserted rows to ${label} in ${round(load.insertSeconds)} s, built the indexes in ${round(load.indexSeconds)} s`,
        )
      } else {
        // Statements of at most 300,000 rows: big enough to be quick, small enough for memory.
        for (let from = seeded + 1; from <= size; from += 300_000) {
          await seed(sql, from, Math.min(size, from + 299_999))
        }
      }
      seeded = size
      // Vacuum sets the hint bits and visibility map a bulk load leaves unset, and the checkpoint
      // flushes its dirty pages: otherwise the first reads pay for both and we measure the load.
      await sql`vacuum (analyze) chat.messages`
      await sql`checkpoint`
      const seconds = round((performance.now() - started) / 1000)
      log(`history: seeded ${label} rows in ${seconds} s`)
      if (size === TEN_MILLION) figures.push(info(`history: seeding ${label} rows`, seconds, 's'))

      const rooms = await cursors(
        sql,
        tokens,
        sampledRooms(size > 1_000_000 ? HISTORY_ROOMS + 1 + LATER_ROOMS : HISTORY_ROOMS),
      )
      // Every room once before any measuring: a reader's first request in a room also records
      // them in it (chat.room_people, for mentions), a cost the join storm measures; these
      // figures are for the reads after it. The floor too, for the same warm pages.
      for (const room of rooms) {
        for (const side of SIDES) {
          await send(agents[side], `${targets[side]}/rooms/${room.room}/messages`, {
            Authorization: room.bearer,
          })
        }
      }
      for (const query of QUERIES) {
        const times = await pairedLatencies(agents, targets, () => historyRead(rooms, query))
        p50s.set(`${query} ${label}`, percentile(times.function, 50))
        figures.push(...readsAgainstFloor(`history ${label}: ${query}`, times, log))
      }
      if (size === 1_000_000) {
        // Search at a million messages over 1,000 rooms (issue 13), and a big call starting.
        figures.push(
          ...(await benchSearch(agents, targets, rooms.map(firstMillionRoom), label, log)),
        )
        figures.push(...(await benchJoinStorm(targets, tokens, 'join storm', log)))
        // Issue 14, item 4: the same storm through PgBouncer.
        figures.push(
          ...(await benchJoinStorm(
            { function: apis.pooled, floor: apis.pooledFloor },
            tokens,
            'join storm through PgBouncer',
            log,
          )),
        )
      }
      if (size === TEN_MILLION) {
        // Issue 14, item 7: search in one room of a million messages. Its messages are every
        // ninth from 1,000,008 on (see seed).
        const { token } = await tokens.mint(BIG_ROOM, { id: 'reader', name: 'Reader' })
        const bigRoom: SearchRoom = {
          room: BIG_ROOM,
          bearer: `Bearer ${token}`,
          rareNumber: () => 9 * (111_112 + Math.floor(Math.random() * 1_000_000)),
        }
        figures.push(...(await benchSearch(agents, targets, [bigRoom], 'in a room of 1M', log)))
      }
    }
  } finally {
    for (const side of SIDES) agents[side].destroy()
  }
  for (const { larger, smaller, limit } of FLATNESS) {
    for (const query of QUERIES) {
      const ratio =
        (p50s.get(`${query} ${larger}`) ?? Number.NaN) / (p50s.get(`${query} ${smaller}`) ?? 1)
      log(`history: ${query} p50 ${larger}/${smaller} ${round(ratio, 2)}`)
      // Index range scans should not slow with table size; the limit leaves room for this noisy
      // machine. Already a ratio within one run, so it keeps its own target beside the floor's.
      figures.push(
        atMost(
          `history: ${query} flatness, p50 at ${larger} / p50 at ${smaller}`,
          round(ratio, 2),
          'x',
          limit,
        ),
      )
    }
  }
  return figures
}

/**
 * The join storm in history-0 at a million messages, on the function and on the floor in turn:
 * figures named `what`, each side's p50 and p99 over two storms (600 requests).
 */
async function benchJoinStorm(
  targets: Targets,
  tokens: Tokens,
  what: string,
  log: (line: string) => void,
): Promise<Figure[]> {
  // One storm first on each side, not measured: the pooled function's process has served only
  // writes by then, and its read path would be measured before the JIT compiled it (and with its
  // database connections closed while idle). The measured storms find every process equally warm.
  for (const side of SIDES) {
    const cold = await joinStorm(targets[side], tokens, 'history-0')
    log(`${what}: a first storm on the ${side}, not counted: p99 ${round(percentile(cold, 99))} ms`)
  }
  const storms: Paired = { function: [], floor: [] }
  for (const turn of [0, 1]) {
    for (const side of inTurn(SIDES, turn)) {
      storms[side].push(...(await joinStorm(targets[side], tokens, 'history-0')))
    }
  }
  log(`${what}: ${JOIN_STORM} newest pages at once, twice on each side, all answered`)
  return readsAgainstFloor(
    `${what}: ${JOIN_STORM} people ask for the newest page at once`,
    storms,
    log,
    1,
  )
}

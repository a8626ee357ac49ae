// Issue 14, item 8: catch-up. A reader's network goes (a laptop lid closing) while other people
// make 1,000 changes in its room through the chat function: new messages, edits, deletions and
// reactions, on messages the reader had seen and on new ones. Then the network comes back: the
// time until the reader's page shows exactly what PostgreSQL holds.
import type { Browser, Page } from 'playwright-core'
import postgres from 'postgres'
import { type NetworkSwitch, routeRelayThroughSwitch } from '../e2e/network-switch.ts'
import { newMessageId } from '../functions/_shared/protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { atMost, type BenchContext, type Figure, info, round } from './figures.ts'
import { DAILY_API_KEY, type Joined, join } from './pages.ts'

/** Messages in the room before the reader goes away: fewer than a history page, so all seen. */
const SEEN = 40
/**
 * The people making the changes. 20 keep each one within the function's default quotas (30 edits
 * or deletions and 60 reactions a minute per person), which the bench's stack does not raise.
 */
const PEOPLE = 20
/** New messages while away; the last one (the newest) is sent after every other change. */
const NEW_MESSAGES = 400
const EMOJI = ['👍', '🎉', '👀', '🚀'] as const
/** Requests in flight while changing the room: seconds for 1,000, on 2 shared cores. */
const IN_FLIGHT = 8
const CONVERGE_TIMEOUT_MS = 30_000
const POLL_MS = 25
const CHANGES_URL = /\/rooms\/[^/]+\/changes\?/

/** One message row as the page renders it. */
interface RenderedRow {
  index: number
  deleted: boolean
  body: string | null
  edited: boolean
  /** The reaction chips' texts, in order: "👍 3". */
  reactions: string[]
  status: string | null
}

/** What a row must show: "Message deleted", or the stored text, edited mark and reactions. */
type ExpectedRow =
  | { deleted: true }
  | { deleted: false; body: string; edited: boolean; reactions: string[] }

/** A change through the function's HTTP API, as one person. */
type Change = () => Promise<void>

/**
 * Issue 14, item 8: the time from a reader's network coming back, after 1,000 changes to its room,
 * until its page shows exactly the database's state; and how many rows still differ from it.
 */
export async function benchCatchUp(
  context: BenchContext,
  browser: Browser,
  appUrl: string,
): Promise<Figure[]> {
  const stamp = Date.now()
  const room = `bench-catch-up-${stamp}`
  const api = `${appUrl}/functions/v1/chat/rooms/${encodeURIComponent(room)}`
  const sql = postgres(context.databaseUrl, { max: 1, onnotice: () => {} })
  const tokens = createRoomTokens({ apiKey: DAILY_API_KEY, ttlSeconds: 3600 })
  let reader: (Joined & { network: NetworkSwitch }) | undefined
  try {
    // Ids unique to the run: quotas count per user id, across rooms.
    const people = await Promise.all(
      Array.from({ length: PEOPLE + 1 }, async (_, i) => {
        const user = { id: `catch-up-${stamp}-${i}`, name: `Person ${i}` }
        return { user, token: (await tokens.mint(room, user)).token }
      }),
    )
    const request = async (person: number, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${api}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${people[person]?.token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      if (!response.ok) {
        throw new Error(`catch-up: ${method} ${path}: ${response.status} ${await response.text()}`)
      }
    }
    const post = async (person: number, body: string) => {
      const id = newMessageId(people[person]?.user.id as string)
      await request(person, 'POST', '/messages', { id, body })
      return id
    }
    const react = (person: number, id: string, emoji: string, on: boolean) =>
      request(
        person,
        on ? 'PUT' : 'DELETE',
        `/messages/${id}/reactions/${encodeURIComponent(emoji)}`,
      )

    context.log(`catch-up: ${SEEN} messages in ${room}, then a reader`)
    const seen = await inPool(
      Array.from({ length: SEEN }, (_, i) => () => post(i % PEOPLE, `before ${i}`)),
      IN_FLIGHT,
    )
    // Chips the reader sees before going away, whose counts then change. Person PEOPLE reacts
    // only here, so none of the changes below repeats one of these (which would change nothing).
    await inPool(
      seen.slice(0, 10).map((id) => () => react(PEOPLE, id, EMOJI[0], true)),
      IN_FLIGHT,
    )
    // Its relay connection goes through a switch: offline() drops it as a lost network would.
    let network: NetworkSwitch | undefined
    const joined = await join(browser, appUrl, room, 'Reader', async (context) => {
      network = await routeRelayThroughSwitch(context)
    })
    reader = { ...joined, network: network as NetworkSwitch }
    const seenThroughSeq = await newestSeq(sql, room)
    const before = await waitForRows(
      reader.page,
      await expectedRows(sql, room, seenThroughSeq),
      CONVERGE_TIMEOUT_MS,
    )
    if (before.differences.length > 0) {
      throw new Error(`catch-up: the reader never showed the room: ${describe(before.differences)}`)
    }

    await reader.network.offline()
    await reader.page.getByText('Reconnecting…').waitFor()
    const away = performance.now()
    const revisionBefore = await lastRevision(sql)
    const plan = planChanges(seen, { post, react, request })
    const created = await inPool(plan.messages, IN_FLIGHT)
    await inPool(plan.changes(created), IN_FLIGHT)
    // The newest message last, after every other change: it is in the client's last page of
    // changes, so once it shows, everything before it has been read too.
    await post((NEW_MESSAGES - 1) % PEOPLE, `meanwhile ${NEW_MESSAGES - 1}`)
    const expected = await expectedRows(sql, room, seenThroughSeq)
    const { messages, edits, deletions, reactions } = plan.counts
    const changes = messages + edits + deletions + reactions
    // Each change takes a revision: fewer would mean some request changed nothing.
    context.log(
      `catch-up: while the reader was offline, ${changes} changes (${messages} new messages, ` +
        `${edits} edits, ${deletions} deletions, ${reactions} reactions; ` +
        `${(await lastRevision(sql)) - revisionBefore} revisions) in ` +
        `${round((performance.now() - away) / 1000)} s, ${IN_FLIGHT} requests in flight`,
    )

    // When the client had read everything: its first page of changes saying there is no more
    // (none could be read while offline).
    let readAllAt: number | undefined
    reader.page.on('response', (response) => {
      if (!CHANGES_URL.test(response.url())) return
      const at = performance.now()
      response.json().then(
        (page: { hasMore?: boolean }) => {
          if (page.hasMore === false) readAllAt = Math.min(readAllAt ?? at, at)
        },
        () => {},
      )
    })
    const back = performance.now()
    await reader.network.online()
    const after = await waitForRows(reader.page, expected, CONVERGE_TIMEOUT_MS)
    const converged = after.differences.length === 0
    const total = after.at - back
    const reconnected = Math.min(reader.network.reconnectedAt() ?? after.at, after.at)
    const reading = Math.max(0, (readAllAt ?? after.at) - reconnected)
    context.log(
      `catch-up: back online; the relay reconnected after ${round(reconnected - back)} ms, ` +
        `the last page of changes was read ${round(reading)} ms later; ` +
        (converged
          ? `the page showed the database's state ${round(total)} ms after coming back`
          : `not the database's state within ${CONVERGE_TIMEOUT_MS / 1000} s: ${describe(after.differences)}`),
    )
    // The rows in view matched (or not); every row is checked too, scrolling through them all.
    const differing = compareRows(await reader.page.evaluate(readRows, true), expected, true)
    context.log(`catch-up: scrolled through ${expected.length} rows: ${describe(differing)}`)
    if (reader.problems.length > 0) {
      context.log(`catch-up: the page logged: ${reader.problems.slice(0, 3).join(' | ')}`)
    }
    return [
      info(
        `catch-up: ${changes} changes while away, from back online to the database's state in view`,
        round(total),
        'ms',
      ),
      info(
        'catch-up: of which waiting for the relay to reconnect',
        round(reconnected - back),
        'ms',
      ),
      info(
        'catch-up: from the relay reconnecting to the last page of changes read',
        round(reading),
        'ms',
      ),
      {
        name: `catch-up: the page showed the database's state within ${CONVERGE_TIMEOUT_MS / 1000} s (newest message in view)`,
        value: converged ? 1 : 0,
        unit: 'yes=1',
        target: '= 1',
        pass: converged,
      },
      atMost(
        'catch-up: rows differing from the database, all rows scrolled through',
        differing.length,
        'rows',
        1,
      ),
    ]
  } finally {
    await reader?.context.close()
    await sql.end()
  }
}

interface Requests {
  post: (person: number, body: string) => Promise<string>
  react: (person: number, id: string, emoji: string, on: boolean) => Promise<void>
  request: (person: number, method: string, path: string, body?: unknown) => Promise<void>
}

/**
 * The changes: NEW_MESSAGES new messages (the last one sent apart, by the caller), then edits,
 * deletions and reactions (some taken back), on seen messages and new ones; 1,000 in all.
 * Deleted messages are neither edited nor reacted to, so no change depends on another's order.
 */
function planChanges(seen: readonly string[], { post, react, request }: Requests) {
  const messages = Array.from(
    { length: NEW_MESSAGES - 1 },
    (_, j) => () => post(j % PEOPLE, `meanwhile ${j}`),
  )
  const counts = { messages: NEW_MESSAGES, edits: 0, deletions: 0, reactions: 0 }
  const edit = (person: number, id: string, body: string): Change => {
    counts.edits += 1
    return () => request(person, 'PATCH', `/messages/${id}`, { body })
  }
  const remove = (person: number, id: string): Change => {
    counts.deletions += 1
    return () => request(person, 'DELETE', `/messages/${id}`)
  }
  /** The edits, deletions and reactions, once the new messages (`created`) are stored. */
  const changes = (created: readonly string[]): Change[] => {
    const list: Change[] = []
    const kept: string[] = []
    // Seen: the last 10 deleted, the first 20 edited twice, the others once.
    for (const [i, id] of seen.entries()) {
      const author = i % PEOPLE
      if (i >= seen.length - 10) list.push(remove(author, id))
      else {
        kept.push(id)
        list.push(edit(author, id, `before ${i} (edit 1)`))
        if (i < 20) list.push(edit(author, id, `before ${i} (edit 2)`))
      }
    }
    // New: by author and round, 7 of each author's deleted and 10 edited, so the quotas hold.
    for (const [j, id] of created.entries()) {
      const author = j % PEOPLE
      const turn = (Math.floor(j / PEOPLE) + author) % PEOPLE
      if (turn < 7) list.push(remove(author, id))
      else {
        kept.push(id)
        if (turn < 17) list.push(edit(author, id, `meanwhile ${j} (edited)`))
      }
    }
    // Reactions: 4 people each on 43 kept messages spread over seen and new; 30 taken back.
    for (let k = 0; k < 170; k += 1) {
      const id = kept[(Math.floor(k / 4) * 7) % kept.length] as string
      const person = k % PEOPLE
      const emoji = EMOJI[k % 3] as string
      const takenBack = k % 17 < 3
      counts.reactions += takenBack ? 2 : 1
      list.push(async () => {
        await react(person, id, emoji, true)
        if (takenBack) await react(person, id, emoji, false)
      })
    }
    // Mixed, as people act at once: ordered by a bijective hash of their place in the list.
    const key = (i: number) => Math.imul(i, 0x9e3779b1) >>> 0
    return list
      .map((change, i) => ({ change, key: key(i) }))
      .sort((a, b) => a.key - b.key)
      .map(({ change }) => change)
  }
  return { messages, changes, counts }
}

/** Runs `tasks`, at most `limit` at a time; their results in order. */
async function inPool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const at = next++
        results[at] = await (tasks[at] as () => Promise<T>)()
      }
    }),
  )
  return results
}

/**
 * The rows the reader's page should hold, from the database, in seq order: every visible message
 * with its text, edited mark and reaction counts; a deleted one as "Message deleted" where the
 * reader had it (seq up to `seenThroughSeq`), and not at all where it came and went while away.
 */
async function expectedRows(
  sql: postgres.Sql,
  room: string,
  seenThroughSeq: number,
): Promise<ExpectedRow[]> {
  const rows = await sql<
    {
      seq: string
      body: string
      edited: boolean
      deleted: boolean
      reactions: { emoji: string; userIds: string[] }[] | null
    }[]
  >`
    select m.seq, m.body, m.edited_at is not null as edited, m.deleted_at is not null as deleted,
           r.reactions
    from chat.messages m
    left join chat.page_reactions(array(select id from chat.messages where room = ${room}))
      as r on r.message_id = m.id
    where m.room = ${room}
    order by m.seq`
  return rows.flatMap((row): ExpectedRow[] => {
    if (row.deleted) return Number(row.seq) <= seenThroughSeq ? [{ deleted: true }] : []
    const reactions = (row.reactions ?? []).map((r) => `${r.emoji} ${r.userIds.length}`)
    return [{ deleted: false, body: row.body, edited: row.edited, reactions }]
  })
}

/**
 * Where `rows` differ from `expected`, in words. The last expected row must be among them; with
 * `whole`, every expected row.
 */
function compareRows(
  rows: readonly RenderedRow[],
  expected: readonly ExpectedRow[],
  whole: boolean,
) {
  const differences: string[] = []
  const shown = new Set<number>()
  for (const row of rows) {
    shown.add(row.index)
    const want = expected[row.index]
    const got = row.deleted
      ? 'deleted'
      : `${row.body}${row.edited ? ' [edited]' : ''} {${row.reactions.join(', ')}} ${row.status}`
    const wanted = !want
      ? 'no row'
      : want.deleted
        ? 'deleted'
        : `${want.body}${want.edited ? ' [edited]' : ''} {${want.reactions.join(', ')}} saved`
    if (got !== wanted) differences.push(`row ${row.index}: "${got}", not "${wanted}"`)
  }
  const missing = whole ? expected.map((_, index) => index) : [expected.length - 1]
  for (const index of missing) {
    if (index < 0 || shown.has(index)) continue
    differences.push(whole ? `row ${index}: not found` : `the newest, row ${index}: not in view`)
  }
  return differences
}

/** How many rows differ, and the first few. */
const describe = (differences: readonly string[]) =>
  differences.length === 0
    ? 'none differ'
    : `${differences.length} differ, e.g. ${differences.slice(0, 3).join('; ')}`

/** The last revision taken, in any room. */
async function lastRevision(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ value: string }[]>`
    select last_value as value from chat.messages_revision_seq`
  return Number(row?.value ?? 0)
}

/** The seq of the room's newest message (0 when it has none). */
async function newestSeq(sql: postgres.Sql, room: string): Promise<number> {
  const [row] = await sql<{ seq: string }[]>`
    select coalesce(max(seq), 0) as seq from chat.messages where room = ${room}`
  return Number(row?.seq ?? 0)
}

/**
 * Polls the rows the page renders until they match `expected` (its newest row among them), or
 * `timeoutMs` passes. `at`: when they matched, or when it gave up; `differences`: none if matched.
 */
async function waitForRows(page: Page, expected: readonly ExpectedRow[], timeoutMs: number) {
  const started = performance.now()
  for (;;) {
    const differences = compareRows(await page.evaluate(readRows, false), expected, false)
    const at = performance.now()
    if (differences.length === 0 || at - started > timeoutMs) return { at, differences }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/**
 * In the page: the message rows rendered now (`scan` false), or every row of the list (`scan`
 * true), scrolling it from top to bottom half a screen a time.
 */
async function readRows(scan: boolean): Promise<RenderedRow[]> {
  const list = document.querySelector<HTMLElement>('[role="log"][aria-label="Chat messages"]')
  if (!list) return []
  const read = () =>
    [...list.querySelectorAll<HTMLElement>('.bc-message-row')].map((row) => ({
      index: Number(row.dataset.index),
      deleted: row.querySelector('.bc-message-deleted') !== null,
      body: row.querySelector('[data-testid="message-body"]')?.textContent ?? null,
      edited: row.querySelector('.bc-message-edited') !== null,
      reactions: [...row.querySelectorAll('.bc-reaction-chip')].map(
        (chip) => chip.textContent?.trim() ?? '',
      ),
      status: row.querySelector<HTMLElement>('.bc-message')?.dataset.status ?? null,
    }))
  if (!scan) return read()
  const rows = new Map<number, RenderedRow>()
  // Two frames: the virtualizer renders the rows of a scroll position in the frame after it.
  const settle = () =>
    new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
  list.scrollTop = 0
  await settle()
  // Bounded: a list that keeps growing under the scan ends it all the same.
  for (let step = 0; step < 5000; step += 1) {
    for (const row of read()) rows.set(row.index, row)
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) break
    list.scrollTop += list.clientHeight / 2
    await settle()
  }
  return [...rows.values()].sort((a, b) => a.index - b.index)
}

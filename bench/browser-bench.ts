// The browser half of `npm run bench`: live delivery between two real Chromium pages over the
// local relay (with and without slow message writes), and the client opening and scrolling a
// room with a long history. Both pages run in one browser on this machine, so their
// performance.timeOrigin + performance.now() clocks are comparable without cross-process skew.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type Browser, type BrowserContext, chromium, type Route } from 'playwright-core'
import postgres from 'postgres'
import WebSocket from 'ws'
import { RELAY_PATH } from '../functions/_shared/relay-protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { type LocalStack, startLocalStack } from '../local/stack.ts'
import { benchApproval } from './approval.ts'
import { benchCatchUp } from './catch-up.ts'
import {
  atMost,
  type BenchContext,
  type Figure,
  info,
  inTurn,
  percentile,
  round,
} from './figures.ts'
import { type FloorPair, liveAgainstFloor, openFloorPair } from './floor.ts'
import {
  DAILY_API_KEY,
  deliveryRun,
  type Joined,
  join,
  recordArrivals,
  recordSends,
  startListeners,
} from './pages.ts'

const MESSAGES_ROUTE = '**/functions/v1/chat/rooms/*/messages'
/**
 * Messages per block of a delivery run, sent at 10 per second: 25 s a block. Product and floor
 * are measured in turn, two blocks each (500 messages, as one run was before issue 20).
 */
const LIVE_BLOCK = 250
const EXTRA_LISTENERS = 20
/** How long the message writes are held in the slowed run. */
const SLOW_WRITE_MS = 2000
/** Scrolling to the top of 10,000 messages takes 200 pages: bounded, and how far it got is told. */
const SCROLL_DEADLINE_MS = 60_000
const SCROLL_STEP_PX = 400
const OPEN_RUNS = 5

/** Live delivery between real pages over the relay, and the client with a long history. */
export async function benchBrowser(context: BenchContext): Promise<Figure[]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'backchannel-bench-stack-'))
  let stack: LocalStack | undefined
  let browser: Browser | undefined
  let floor: FloorPair | undefined
  try {
    stack = await startLocalStack({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      // Only what the bench decides. The rate limit is raised: one person sends 1,000 messages;
      // and the token quota: every page joins from 127.0.0.1.
      env: {
        DATABASE_URL: context.databaseUrl,
        CHAT_RATE_LIMIT: '100000',
        CHAT_TOKEN_QUOTA: '100000/60',
        DAILY_API_KEY,
      },
    })
    browser = await chromium.launch({
      executablePath: context.chromiumPath,
      headless: true,
      // As in the e2e tests (root in containers, no internet), plus a callable gc and unrounded
      // heap sizes for the heap figures.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--js-flags=--expose-gc',
        '--enable-precise-memory-info',
      ],
    })
    const figures: Figure[] = []
    // Issue 14, item 1: the floor pair, in the same browser, open beside the product's pages and
    // measured in turn with them (issue 20).
    floor = await openFloorPair(context, browser, EXTRA_LISTENERS)
    const live = await benchLiveDelivery(context, browser, stack.url, floor)
    figures.push(...live)
    const smallP99 =
      live.find((figure) => figure.name === 'live: Enter on A to B’s DOM, p99')?.value ?? Number.NaN
    figures.push(...(await benchBigRoom(context, browser, stack.url, smallP99, floor)))
    // Issue 22: an owner's approval against the same run's live p99.
    figures.push(...(await benchApproval(context, browser, stack.url, smallP99)))
    await floor.close()
    floor = undefined
    figures.push(...(await benchReactionCrowd(context, browser, stack.url)))
    figures.push(...(await benchCatchUp(context, browser, stack.url)))
    figures.push(...(await benchHistoryClient(context, browser, stack.url)))
    return figures
  } finally {
    await floor?.close()
    await browser?.close()
    await stack?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/**
 * Message writes from `context` held SLOW_WRITE_MS each while `hold(true)`: the live channel must
 * not wait for the function. `released()` resolves once every held write has gone on.
 */
function writeHolder(context: BrowserContext) {
  let held = 0
  let holding = false
  let waiters: (() => void)[] = []
  const handler = async (route: Route) => {
    if (route.request().method() !== 'POST') return route.fallback()
    held += 1
    try {
      await new Promise((resolve) => setTimeout(resolve, SLOW_WRITE_MS))
      // The page may be closing by then; nothing is left to continue.
      await route.continue().catch(() => {})
    } finally {
      held -= 1
      if (held === 0) {
        for (const resolve of waiters) resolve()
        waiters = []
      }
    }
  }
  return {
    async hold(on: boolean) {
      if (on === holding) return
      holding = on
      if (on) await context.route(MESSAGES_ROUTE, handler)
      else await context.unroute(MESSAGES_ROUTE, handler)
    },
    released: () =>
      held === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
  }
}

type LiveRun = 'normal' | 'floor' | 'slowed'

/**
 * Live delivery in a room of two pages and EXTRA_LISTENERS relay clients, writes at normal speed
 * and held SLOW_WRITE_MS, and the floor pair: in turn, a block each (normal, floor, slowed, then
 * slowed, floor, normal), so that all three see the same machine. Targets: the product's p50 and
 * p99 over the floor's, both ways (issue 20, item 2).
 */
async function benchLiveDelivery(
  context: BenchContext,
  browser: Browser,
  appUrl: string,
  floor: FloorPair,
): Promise<Figure[]> {
  const room = `bench-live-${Date.now()}`
  context.log(`live: two pages and ${EXTRA_LISTENERS} relay listeners in ${room}`)
  const a = await join(browser, appUrl, room, 'Sender')
  const b = await join(browser, appUrl, room, 'Receiver')
  const listeners = await startListeners(appUrl, room, EXTRA_LISTENERS)
  try {
    await a.page.evaluate(recordSends)
    await b.page.evaluate(recordArrivals)
    const writes = writeHolder(a.context)
    const times: Record<LiveRun, number[]> = { normal: [], floor: [], slowed: [] }
    const lost: Record<LiveRun, number> = { normal: 0, floor: 0, slowed: 0 }
    for (const turn of [0, 1]) {
      for (const run of inTurn<LiveRun>(['normal', 'floor', 'slowed'], turn)) {
        const prefix = `${run} ${turn + 1}`
        context.log(`live: ${LIVE_BLOCK} messages at 10/s, ${prefix}`)
        let result: Awaited<ReturnType<typeof deliveryRun>>
        if (run === 'floor') {
          result = await floor.run(prefix, LIVE_BLOCK)
        } else {
          await writes.hold(run === 'slowed')
          result = await deliveryRun(a.page, b.page, prefix, LIVE_BLOCK)
          context.log(`live (${prefix}): ${result.report}`)
          if (result.lost > 0) context.log(`live (${prefix}): ${await describeReceiver(b)}`)
          // The next block starts with no write still held.
          await writes.hold(false)
          await writes.released()
        }
        times[run].push(...result.latencies)
        lost[run] += result.lost
      }
    }
    context.log(`live: relay listeners received ${listeners.received.count} frames in all`)

    return [
      ...liveAgainstFloor(
        {
          product: 'live: Enter on A to B’s DOM',
          floor: 'live floor: Enter on A to B’s DOM over a bare WebSocket',
          ratio: 'live',
        },
        times.normal,
        times.floor,
      ),
      atMost('live: messages lost', lost.normal, 'messages', 1),
      atMost('live floor: messages lost', lost.floor, 'messages', 1),
      // The same floor as above: its own figures are not repeated.
      ...liveAgainstFloor(
        {
          product: 'live, writes slowed 2 s',
          floor: 'live floor',
          ratio: 'live, writes slowed 2 s',
        },
        times.slowed,
        times.floor,
      ).filter((figure) => !figure.name.startsWith('live floor,')),
      atMost('live, writes slowed 2 s: messages lost', lost.slowed, 'messages', 1),
      info(
        'live: slowed p50 / normal p50',
        round(percentile(times.slowed, 50) / percentile(times.normal, 50)),
        'x',
      ),
    ]
  } finally {
    listeners.close()
    await a.context.close()
    await b.context.close()
  }
}

/**
 * What the receiving page shows when messages went missing, for reading a "lost" figure: where its
 * list is scrolled, the last bodies in its DOM, whether it offers "New messages", and what its
 * console said.
 */
async function describeReceiver({ page, problems }: Joined): Promise<string> {
  const state = await page.evaluate(() => {
    const log = document.querySelector('[role="log"][aria-label="Chat messages"]')
    const bodies = [...document.querySelectorAll('[data-testid="message-body"]')]
    return {
      fromBottom: log ? log.scrollHeight - log.scrollTop - log.clientHeight : null,
      lastBodies: bodies.slice(-3).map((body) => body.textContent?.trim()),
      newMessages: document.querySelector('.bc-new-messages')?.textContent ?? null,
      connection: document.querySelector('.bc-chat-status, .bc-connection')?.textContent ?? null,
    }
  })
  return `receiver: ${JSON.stringify(state)}; console: ${JSON.stringify(problems.slice(-5))}`
}

/** Relay clients in the big room, beside the two measuring pages. */
const BIG_ROOM_LISTENERS = 200

/**
 * Issue 14, item 5: the same delivery measurement in a big call, BIG_ROOM_LISTENERS relay
 * clients and the two pages in one room at 10 messages a second, in turn with the floor pair
 * given as many listeners; and its p99 against the small room's (`smallP99`, same run).
 */
async function benchBigRoom(
  context: BenchContext,
  browser: Browser,
  appUrl: string,
  smallP99: number,
  floor: FloorPair,
): Promise<Figure[]> {
  const room = `bench-big-${Date.now()}`
  context.log(`live: two pages and ${BIG_ROOM_LISTENERS} relay listeners in ${room}`)
  const a = await join(browser, appUrl, room, 'Speaker')
  const b = await join(browser, appUrl, room, 'Listener')
  const listeners = await startListeners(appUrl, room, BIG_ROOM_LISTENERS)
  try {
    await floor.addListeners(BIG_ROOM_LISTENERS - EXTRA_LISTENERS)
    await a.page.evaluate(recordSends)
    await b.page.evaluate(recordArrivals)
    const times = { big: [] as number[], floor: [] as number[] }
    const lost = { big: 0, floor: 0 }
    for (const turn of [0, 1]) {
      for (const run of inTurn(['big', 'floor'] as const, turn)) {
        const prefix = `${run} room ${turn + 1}`
        context.log(`live: ${LIVE_BLOCK} messages at 10/s, ${prefix}`)
        const result =
          run === 'floor'
            ? await floor.run(prefix, LIVE_BLOCK)
            : await deliveryRun(a.page, b.page, prefix, LIVE_BLOCK)
        if (run === 'big') context.log(`live (${prefix}): ${result.report}`)
        times[run].push(...result.latencies)
        lost[run] += result.lost
      }
    }
    context.log(`live: the big room's relay listeners received ${listeners.received.count} frames`)
    const p99 = percentile(times.big, 99)
    return [
      ...liveAgainstFloor(
        {
          product: `live, big room (${BIG_ROOM_LISTENERS} + 2)`,
          floor: `live floor, ${BIG_ROOM_LISTENERS} listeners`,
          ratio: 'live, big room',
        },
        times.big,
        times.floor,
      ),
      atMost(`live, big room: messages lost`, lost.big, 'messages', 1),
      atMost(
        `live floor, ${BIG_ROOM_LISTENERS} listeners: messages lost`,
        lost.floor,
        'messages',
        1,
      ),
      info('live: big room p99 / small room p99', round(p99 / smallP99, 2), 'x'),
    ]
  } finally {
    listeners.close()
    await a.context.close()
    await b.context.close()
  }
}

/** How many people react to one message at once in the reactions crowd. */
const CROWD = 50
const CROWD_EMOJI = ['👍', '🎉'] as const

/**
 * Issue 14, item 6: CROWD people (relay clients with their own tokens, doing what the app does)
 * each add a reaction to one message within a second: stored through the function, then
 * announced live. The time until both pages show exactly the database's counts.
 */
async function benchReactionCrowd(
  context: BenchContext,
  browser: Browser,
  appUrl: string,
): Promise<Figure[]> {
  const room = `bench-crowd-${Date.now()}`
  context.log(`reactions: two pages and ${CROWD} people reacting in ${room}`)
  const a = await join(browser, appUrl, room, 'Host')
  const b = await join(browser, appUrl, room, 'Guest')
  const sql = postgres(context.databaseUrl, { max: 1, onnotice: () => {} })
  const tokens = createRoomTokens({ apiKey: DAILY_API_KEY, ttlSeconds: 3600 })
  const relayUrl = `${appUrl.replace(/^http/, 'ws')}${RELAY_PATH}`
  const sockets: WebSocket[] = []
  try {
    const field = a.page.getByRole('textbox', { name: 'Message' })
    await field.fill('Vote: ship on Friday?')
    await field.press('Enter')
    await b.page.getByText('Vote: ship on Friday?', { exact: true }).waitFor()
    // Stored by now or within moments (the host's write runs beside the live send).
    let id: string | undefined
    const asked = performance.now()
    while (!id) {
      if (performance.now() - asked > 10_000)
        throw new Error('reactions: the message was not stored')
      ;[{ id } = { id: undefined }] = await sql<{ id: string }[]>`
        select id from chat.messages where room = ${room} and body = 'Vote: ship on Friday?'`
    }
    const people = await Promise.all(
      Array.from({ length: CROWD }, async (_, i) => {
        const { token } = await tokens.mint(room, { id: `crowd-${i}`, name: `Crowd ${i}` })
        const socket = new WebSocket(relayUrl)
        sockets.push(socket)
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', token })))
          socket.once('error', reject)
          socket.on('message', (raw) => {
            if ((JSON.parse(String(raw)) as { type: string }).type === 'welcome') resolve()
          })
        })
        return { token, socket, emoji: CROWD_EMOJI[i % CROWD_EMOJI.length] as string }
      }),
    )
    const started = performance.now()
    await Promise.all(
      people.map(async (person, i) => {
        // Within a second, as people react: one every 20 ms.
        await new Promise((resolve) => setTimeout(resolve, (i * 1000) / CROWD))
        const response = await fetch(
          `${appUrl}/functions/v1/chat/rooms/${room}/messages/${id}/reactions/${encodeURIComponent(person.emoji)}`,
          { method: 'PUT', headers: { Authorization: `Bearer ${person.token}` } },
        )
        if (!response.ok) throw new Error(`reaction: ${response.status}`)
        person.socket.send(JSON.stringify({ type: 'send', data: { v: 1, type: 'changed', id } }))
      }),
    )
    const lastStored = performance.now() - started
    const stored = await sql<{ emoji: string; n: number }[]>`
      select emoji, count(*)::int as n from chat.reactions where message_id = ${id}::uuid
      group by emoji`
    // Both pages show a chip per emoji whose name starts with the emoji and the database's count.
    await Promise.all(
      [a, b].flatMap(({ page }) =>
        stored.map(({ emoji, n }) =>
          page
            .getByRole('button', { name: new RegExp(`^${emoji} ${n}\\b`, 'u') })
            .waitFor({ timeout: 30_000 }),
        ),
      ),
    )
    const converged = performance.now() - started
    const total = stored.reduce((sum, row) => sum + row.n, 0)
    context.log(
      `reactions: ${total} stored; both pages showed the database's counts ${round(converged)} ms after the first`,
    )
    return [
      atMost('reactions crowd: reactions lost (stored vs made)', CROWD - total, 'reactions', 1),
      info(
        `reactions crowd: ${CROWD} people within 1 s, until both pages show the database's counts (ms)`,
        round(converged),
        'ms',
      ),
      info(
        "reactions crowd: from the last reaction stored until both pages show the database's counts (ms)",
        round(converged - lastStored),
        'ms',
      ),
    ]
  } finally {
    for (const socket of sockets) socket.close()
    await sql.end()
    await a.context.close()
    await b.context.close()
  }
}

/** Seeds `count` messages from a few senders, oldest first; bodies are "history <room> #n". */
async function seedRoom(databaseUrl: string, room: string, count: number) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    await sql`
      insert into chat.messages (id, room, sender_id, sender_name, body, created_at)
      select gen_random_uuid(), ${room}, 'seed-' || (g % 7), 'Seeder ' || (g % 7),
        'history ' || ${room} || ' #' || g, now() - make_interval(secs => ${count} - g)
      from generate_series(1, ${count}::int) as g
      order by g`
  } finally {
    await sql.end()
  }
}

/** Watches, from the start of every document, for the body `text` to be in the DOM. */
function watchForBody(text: string) {
  new MutationObserver((_records, observer) => {
    for (const body of document.querySelectorAll('[data-testid="message-body"]')) {
      if (body.textContent?.trim() === text) {
        // performance.now() counts from this navigation's start.
        window.__newestAt = performance.now()
        observer.disconnect()
        return
      }
    }
  }).observe(document, { childList: true, subtree: true, characterData: true })
}

interface ScrollResult {
  frames: number[]
  /** Per long animation frame (over 50 ms): the time spent in scripts (ours, React's), in ms. */
  scriptPerLongFrame: number[]
  oldestSeen: number
  reachedFirst: boolean
  seconds: number
}

/** Scrolls the log up a step each frame until the first message shows or the deadline passes. */
function scrollToTop({ deadlineMs, stepPx }: { deadlineMs: number; stepPx: number }) {
  return new Promise<ScrollResult>((resolve) => {
    const log = document.querySelector<HTMLElement>('[role="log"][aria-label="Chat messages"]')
    const frames: number[] = []
    // Long animation frames tell how much of a long frame was script, and how much the browser's
    // own rendering (style, layout, paint, compositing) on this machine's shared cores.
    const scriptPerLongFrame: number[] = []
    const longFrames = new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & {
        scripts: { duration: number }[]
      })[]) {
        scriptPerLongFrame.push(entry.scripts.reduce((sum, script) => sum + script.duration, 0))
      }
    })
    longFrames.observe({ type: 'long-animation-frame' })
    let oldestSeen = Number.POSITIVE_INFINITY
    let last: number | undefined
    const started = performance.now()
    const finish = (reachedFirst: boolean) => {
      longFrames.disconnect()
      resolve({
        frames,
        scriptPerLongFrame,
        oldestSeen,
        reachedFirst,
        seconds: (performance.now() - started) / 1000,
      })
    }
    const frame = (time: number) => {
      if (last !== undefined) frames.push(time - last)
      last = time
      const first = log?.querySelector('[data-testid="message-body"]')?.textContent ?? ''
      const n = Number(/#(\d+)$/.exec(first.trim())?.[1])
      if (n > 0) oldestSeen = Math.min(oldestSeen, n)
      if (!log || oldestSeen === 1) return finish(oldestSeen === 1)
      if (time - started > deadlineMs) return finish(false)
      log.scrollTop = Math.max(0, log.scrollTop - stepPx)
      requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  })
}

/** JS heap of a fresh page that opened `room`, after a full garbage collection. */
async function heapAfterOpening(browser: Browser, appUrl: string, room: string, newest: string) {
  const person = await join(browser, appUrl, room, 'Heap reader')
  try {
    const log = person.page.getByRole('log', { name: 'Chat messages' })
    await log.getByText(newest, { exact: true }).waitFor({ state: 'visible' })
    // Settle: late effects (older page prefetch, images) land before measuring.
    await person.page.waitForTimeout(1000)
    return await person.page.evaluate(() => {
      window.gc?.()
      window.gc?.()
      const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory
      return memory ? memory.usedJSHeapSize : Number.NaN
    })
  } finally {
    await person.context.close()
  }
}

async function benchHistoryClient(
  context: BenchContext,
  browser: Browser,
  appUrl: string,
): Promise<Figure[]> {
  const stamp = Date.now()
  const bigRoom = `bench-history-10k-${stamp}`
  const smallRoom = `bench-history-1k-${stamp}`
  context.log('client: seeding rooms with 10,000 and 1,000 messages')
  await seedRoom(context.databaseUrl, bigRoom, 10_000)
  await seedRoom(context.databaseUrl, smallRoom, 1000)
  const bigNewest = `history ${bigRoom} #10000`
  const smallNewest = `history ${smallRoom} #1000`

  const reader = await join(browser, appUrl, bigRoom, 'Reader')
  let openTimes: number[]
  let scroll: ScrollResult
  try {
    const log = reader.page.getByRole('log', { name: 'Chat messages' })
    await log.getByText(bigNewest, { exact: true }).waitFor({ state: 'visible' })
    // The session is kept for the tab, so a reload opens the room straight away.
    await reader.context.addInitScript(watchForBody, bigNewest)
    openTimes = []
    for (let i = 0; i < OPEN_RUNS; i += 1) {
      await reader.page.reload()
      const handle = await reader.page.waitForFunction(() => window.__newestAt, undefined, {
        timeout: 10_000,
      })
      openTimes.push((await handle.jsonValue()) as number)
    }
    context.log(`client: opened the 10k room in ${openTimes.map(round).join(', ')} ms`)

    context.log(`client: scrolling to the top (at most ${SCROLL_DEADLINE_MS / 1000} s)`)
    scroll = await reader.page.evaluate(scrollToTop, {
      deadlineMs: SCROLL_DEADLINE_MS,
      stepPx: SCROLL_STEP_PX,
    })
    context.log(
      `client: reached message #${scroll.oldestSeen} of 10,000 in ${round(scroll.seconds)} s, ` +
        `${scroll.frames.length} frames`,
    )
  } finally {
    await reader.context.close()
  }

  context.log('client: heap after opening the 1k and the 10k room')
  const smallHeap = await heapAfterOpening(browser, appUrl, smallRoom, smallNewest)
  const bigHeap = await heapAfterOpening(browser, appUrl, bigRoom, bigNewest)
  const mb = (bytes: number) => round(bytes / 1024 / 1024)

  return [
    atMost(
      'client: open 10k-message room to newest visible, median',
      round(percentile(openTimes, 50)),
      'ms',
      500,
    ),
    info('client: open 10k-message room, slowest of 5', round(Math.max(...openTimes)), 'ms'),
    atMost('client: scrolling up, worst frame', round(Math.max(...scroll.frames)), 'ms', 50),
    info('client: scrolling up, p99 frame', round(percentile(scroll.frames, 99)), 'ms'),
    info(
      'client: scrolling up, frames over 50 ms',
      scroll.frames.filter((frame) => frame > 50).length,
      'frames',
    ),
    info(
      'client: scrolling up, most script time in one long frame',
      round(Math.max(0, ...scroll.scriptPerLongFrame)),
      'ms',
    ),
    info('client: scrolling up, messages reached', 10_001 - scroll.oldestSeen, 'messages'),
    info('client: scrolling up, time spent', round(scroll.seconds), 's'),
    info('client: JS heap, 1k-message room', mb(smallHeap), 'MB'),
    info('client: JS heap, 10k-message room', mb(bigHeap), 'MB'),
    atMost('client: JS heap 10k / 1k', round(bigHeap / smallHeap, 2), 'x', 1.5),
  ]
}

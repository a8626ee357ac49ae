// Issue 14, item 1: the floor pair. The same Enter-to-other-DOM measurement as the product's live
// delivery, in the same browser and run, over the least that can do the job: a page that sends on
// Enter over a bare WebSocket, a server that broadcasts each frame to every other socket, and a
// text node appended on receipt. The product's p50 and p99 over the floor's tell what the app
// costs; the two are measured in turn (browser-bench.ts), so both see the same machine.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import WebSocket, { WebSocketServer } from 'ws'
import { againstFloor, type BenchContext, type Figure } from './figures.ts'
import { deliveryRun, recordArrivals, recordSends } from './pages.ts'

/**
 * Issue 20, item 2: the product's live p50 and p99 at most this many times the floor's, measured
 * in the same run. The goal after issue 20 is 1.3.
 */
const FLOOR_LIMIT = 2.0
const SOCKET_PATH = '/socket'
/** Stopping never waits longer than this; a hung close is not worth a hung bench. */
const STOP_DEADLINE_MS = 5000

/** The whole floor client: no framework, no build, no envelope; the frame is the text. */
const FLOOR_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Floor</title></head>
<body>
<div id="log"></div>
<textarea aria-label="Message"></textarea>
<script>
const log = document.getElementById('log')
const field = document.querySelector('textarea')
const socket = new WebSocket('ws://' + location.host + '${SOCKET_PATH}')
socket.onopen = () => { document.body.dataset.socket = 'open' }
socket.onmessage = (event) => {
  const body = document.createElement('div')
  body.dataset.testid = 'message-body'
  body.append(document.createTextNode(event.data))
  log.append(body)
}
field.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter') return
  event.preventDefault()
  const text = field.value.trim()
  if (text) socket.send(text)
  field.value = ''
})
</script>
</body>
</html>
`

interface FloorServer {
  url: string
  stop(): Promise<void>
}

/** node:http serving the floor page, and a bare broadcast WebSocket server beside it. */
async function startFloorServer(): Promise<FloorServer> {
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(FLOOR_PAGE)
      return
    }
    response.writeHead(404).end()
  })
  const sockets = new WebSocketServer({ server, path: SOCKET_PATH })
  sockets.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      for (const other of sockets.clients) {
        if (other !== socket && other.readyState === WebSocket.OPEN) {
          other.send(data, { binary: isBinary })
        }
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      for (const socket of sockets.clients) socket.terminate()
      sockets.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Plain WebSocket clients of the floor server that only count what they receive. */
async function startFloorListeners(url: string, count: number) {
  const socketUrl = `${url.replace(/^http/, 'ws')}${SOCKET_PATH}`
  const sockets: WebSocket[] = []
  const received = { count: 0 }
  const close = () => {
    for (const socket of sockets) socket.terminate()
  }
  try {
    for (let i = 0; i < count; i += 1) {
      const socket = new WebSocket(socketUrl)
      sockets.push(socket)
      socket.on('message', () => {
        received.count += 1
      })
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('floor listener: not open in 5 s')), 5000)
        socket.once('open', () => {
          clearTimeout(timer)
          resolve()
        })
        socket.once('error', (error) => {
          clearTimeout(timer)
          reject(error)
        })
      })
    }
  } catch (error) {
    close()
    throw error
  }
  return { received, close }
}

/** A floor page in its own browser context, its socket open. */
async function openFloorPage(browser: Browser, url: string) {
  const context = await browser.newContext()
  context.setDefaultTimeout(15_000)
  // As in pages.ts: the recorders are compiled by tsx, whose `__name` helper exists only in Node.
  await context.addInitScript('globalThis.__name ??= (target) => target')
  try {
    const page = await context.newPage()
    await page.goto(url)
    await page.waitForFunction(() => document.body.dataset.socket === 'open')
    return { context, page }
  } catch (error) {
    await context.close()
    throw error
  }
}

/** Resolves when `stopping` does or after STOP_DEADLINE_MS, whichever is first. */
async function bounded(stopping: Promise<unknown>) {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STOP_DEADLINE_MS)
  })
  await Promise.race([stopping.catch(() => {}), deadline])
  clearTimeout(timer)
}

export interface FloorPair {
  /** Types `count` messages on the floor's page A at 10 per second, as deliveryRun does. */
  run(prefix: string, count: number): ReturnType<typeof deliveryRun>
  /** Adds listeners to the floor server, as the product's big room has more relay clients. */
  addListeners(count: number): Promise<void>
  close(): Promise<void>
}

/**
 * The floor pair, opened beside the product's pages in the same browser and left open, so that
 * the bench can measure product and floor in turn (issue 20: ratios measured together are what
 * count on this machine). Starts with `listeners` extra listeners, as the product's small room.
 *
 * @example const floor = await openFloorPair(context, browser, 20)
 * const { latencies } = await floor.run('floor 1', 250)
 */
export async function openFloorPair(
  context: BenchContext,
  browser: Browser,
  listeners: number,
): Promise<FloorPair> {
  const server = await startFloorServer()
  const listenerSets: Awaited<ReturnType<typeof startFloorListeners>>[] = []
  const contexts: BrowserContext[] = []
  const close = async () => {
    for (const set of listenerSets) set.close()
    await bounded(Promise.all(contexts.map((opened) => opened.close())))
    await bounded(server.stop())
  }
  try {
    context.log(`live floor: two pages and ${listeners} listeners on ${server.url}`)
    const pages: Page[] = []
    for (let i = 0; i < 2; i += 1) {
      const opened = await openFloorPage(browser, server.url)
      contexts.push(opened.context)
      pages.push(opened.page)
    }
    const [a, b] = pages as [Page, Page]
    listenerSets.push(await startFloorListeners(server.url, listeners))
    await a.evaluate(recordSends)
    await b.evaluate(recordArrivals)
    return {
      async run(prefix, count) {
        const run = await deliveryRun(a, b, prefix, count)
        const received = listenerSets.reduce((sum, set) => sum + set.received.count, 0)
        context.log(`live floor (${prefix}): ${run.report}; listeners have ${received} frames`)
        return run
      },
      async addListeners(count) {
        listenerSets.push(await startFloorListeners(server.url, count))
      },
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * Figures of a live delivery measured against the floor pair in the same run: both sides' p50
 * and p99 (information), and the product's p50 and p99 over the floor's, each with the target
 * FLOOR_LIMIT (issue 20, item 2). The three names start the figures' names.
 */
export function liveAgainstFloor(
  names: { product: string; floor: string; ratio: string },
  product: readonly number[],
  floor: readonly number[],
): Figure[] {
  return againstFloor(
    {
      product: (p) => `${names.product}, ${p}`,
      floor: (p) => `${names.floor}, ${p}`,
      ratio: (p) => `${names.ratio}: product ${p} / floor ${p}`,
      limit: FLOOR_LIMIT,
      targets: ['p50', 'p99'],
    },
    product,
    floor,
  )
}

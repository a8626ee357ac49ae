// Issue 14, item 1: the floor pair. The same Enter-to-other-DOM measurement as the product's live
// delivery, in the same browser and run, over the least that can do the job: a page that sends on
// Enter over a bare WebSocket, a server that broadcasts each frame to every other socket, and a
// text node appended on receipt. The product's p99 over the floor's tells what the app costs.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import WebSocket, { WebSocketServer } from 'ws'
import { atMost, type BenchContext, type Figure, info, percentile, round } from './figures.ts'
import { deliveryRun, recordArrivals, recordSends } from './pages.ts'

/** As the product's run: 500 messages at 10 per second, 20 extra listeners. */
const FLOOR_MESSAGES = 500
const FLOOR_LISTENERS = 20
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

/**
 * The floor pair beside the product's live delivery: its p50 and p99 (measured just before in
 * the same browser and run) against the floor's, each over the floor's.
 *
 * @example await benchFloor(context, browser, { p50: 8.0, p99: 17.2 })
 * // [..., { name: 'live: product p99 / floor p99', value: 1.2, target: '< 1.3 x', ... }]
 */
export async function benchFloor(
  context: BenchContext,
  browser: Browser,
  product: { p50: number; p99: number },
): Promise<Figure[]> {
  const server = await startFloorServer()
  let listeners: Awaited<ReturnType<typeof startFloorListeners>> | undefined
  const contexts: BrowserContext[] = []
  try {
    context.log(`live floor: two pages and ${FLOOR_LISTENERS} listeners on ${server.url}`)
    const pages: Page[] = []
    for (let i = 0; i < 2; i += 1) {
      const opened = await openFloorPage(browser, server.url)
      contexts.push(opened.context)
      pages.push(opened.page)
    }
    const [a, b] = pages as [Page, Page]
    listeners = await startFloorListeners(server.url, FLOOR_LISTENERS)
    await a.evaluate(recordSends)
    await b.evaluate(recordArrivals)

    context.log(`live floor: ${FLOOR_MESSAGES} messages at 10/s`)
    const run = await deliveryRun(a, b, 'floor', FLOOR_MESSAGES)
    context.log(`live floor: ${run.report}`)
    context.log(`live floor: listeners received ${listeners.received.count} frames in all`)

    const p50 = percentile(run.latencies, 50)
    const p99 = percentile(run.latencies, 99)
    return [
      info('live floor: Enter on A to B’s DOM over a bare WebSocket, p50', round(p50), 'ms'),
      info('live floor: Enter on A to B’s DOM over a bare WebSocket, p99', round(p99), 'ms'),
      atMost('live floor: messages lost', run.lost, 'messages', 1),
      info('live: product p50 / floor p50', round(product.p50 / p50, 2), 'x'),
      atMost('live: product p99 / floor p99', round(product.p99 / p99, 2), 'x', 1.3),
    ]
  } finally {
    listeners?.close()
    await bounded(Promise.all(contexts.map((opened) => opened.close())))
    await bounded(server.stop())
  }
}

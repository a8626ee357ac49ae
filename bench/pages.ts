// What the browser parts of the bench share: people joining through the app's join screen, relay
// clients that only listen, and the Enter-to-other-DOM measurement (used for the app and for the
// floor pair alike).
import type { Browser, BrowserContext, Page } from 'playwright-core'
import WebSocket from 'ws'
import { RELAY_PATH } from '../functions/_shared/relay-protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { percentile, round } from './figures.ts'

/** Fixed so the bench can mint tokens for its relay listeners with the stack's own key. */
export const DAILY_API_KEY = 'bench-daily-api-key-0123456789abcdef'
/** Messages are typed at 10 per second. */
const SEND_INTERVAL_MS = 100

export interface Joined {
  context: BrowserContext
  page: Page
  /** The page's console warnings and errors, and its uncaught exceptions, in order. */
  problems: string[]
}

/**
 * A person in their own browser context, joined through the join screen. `beforeOpen` runs on
 * the context before the page opens (e.g. to put the relay connection through a switch).
 */
export async function join(
  browser: Browser,
  appUrl: string,
  room: string,
  name: string,
  beforeOpen?: (context: BrowserContext) => Promise<void>,
): Promise<Joined> {
  const context = await browser.newContext()
  context.setDefaultTimeout(15_000)
  // The functions this file runs in pages are compiled by tsx, whose esbuild keeps the names of
  // inner functions through a `__name` helper that exists only in Node: pages need a stand-in.
  await context.addInitScript('globalThis.__name ??= (target) => target')
  await beforeOpen?.(context)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (entry) => {
    if (entry.type() === 'warning' || entry.type() === 'error') problems.push(entry.text())
  })
  page.on('pageerror', (error) => problems.push(`${error.name}: ${error.message}`))
  await page.goto(`${appUrl}/?room=${encodeURIComponent(room)}`)
  await page.getByLabel('Your name').fill(name)
  await page.getByRole('button', { name: 'Join' }).click()
  await page.getByRole('log', { name: 'Chat messages' }).waitFor({ state: 'visible' })
  return { context, page, problems }
}

/** Relay clients that join with their own tokens and only count what they receive. */
export async function startListeners(appUrl: string, room: string, count: number) {
  const tokens = createRoomTokens({ apiKey: DAILY_API_KEY, ttlSeconds: 3600 })
  const relayUrl = `${appUrl.replace(/^http/, 'ws')}${RELAY_PATH}`
  const sockets: WebSocket[] = []
  const received = { count: 0 }
  try {
    for (let i = 0; i < count; i += 1) {
      const { token } = await tokens.mint(room, {
        id: `bench-listener-${i}`,
        name: `Listener ${i}`,
      })
      const socket = new WebSocket(relayUrl)
      sockets.push(socket)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('relay listener: no welcome in 5 s')), 5000)
        socket.once('open', () => socket.send(JSON.stringify({ type: 'hello', token })))
        socket.once('error', reject)
        socket.on('message', (raw) => {
          const frame = JSON.parse(String(raw)) as { type: string }
          if (frame.type === 'welcome') {
            clearTimeout(timer)
            resolve()
          } else if (frame.type === 'app-message') received.count += 1
        })
      })
    }
  } catch (error) {
    for (const socket of sockets) socket.terminate()
    throw error
  }
  return {
    received,
    close() {
      for (const socket of sockets) socket.close()
    },
  }
}

declare global {
  interface Window {
    __sentAt?: Map<string, number>
    __seenAt?: Map<string, number>
    __newestAt?: number
    gc?: () => void
  }
}

/** Records, in page A, when Enter goes down in the message field (before the app handles it). */
export function recordSends() {
  const sentAt = new Map<string, number>()
  window.__sentAt = sentAt
  window.addEventListener(
    'keydown',
    (event) => {
      const field = event.target
      if (event.key === 'Enter' && field instanceof HTMLTextAreaElement) {
        sentAt.set(field.value.trim(), performance.timeOrigin + performance.now())
      }
    },
    // Capture on window: runs before React's handler sends the message.
    true,
  )
}

/** Records, in page B, when each message body first appears in the DOM. */
export function recordArrivals() {
  const seenAt = new Map<string, number>()
  window.__seenAt = seenAt
  const selector = '[data-testid="message-body"]'
  const note = (element: Element, at: number) => {
    const text = element.textContent?.trim()
    if (text && !seenAt.has(text)) seenAt.set(text, at)
  }
  new MutationObserver((records) => {
    // One time for the batch: every record in it was committed before this callback ran.
    const at = performance.timeOrigin + performance.now()
    for (const record of records) {
      if (record.type === 'characterData') {
        const body = record.target.parentElement?.closest(selector)
        if (body) note(body, at)
        continue
      }
      for (const node of record.addedNodes) {
        if (!(node instanceof Element)) {
          const body = node.parentElement?.closest(selector)
          if (body) note(body, at)
          continue
        }
        if (node.matches(selector)) note(node, at)
        for (const body of node.querySelectorAll(selector)) note(body, at)
      }
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true })
}

/** Types `count` messages on A at 10 per second and returns each one's Enter-to-B's-DOM time. */
export async function deliveryRun(a: Page, b: Page, prefix: string, count: number) {
  const field = a.getByRole('textbox', { name: 'Message' })
  const texts = Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`)
  const start = Date.now()
  for (const [i, text] of texts.entries()) {
    const due = start + i * SEND_INTERVAL_MS
    const wait = due - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    await field.fill(text)
    await field.press('Enter')
  }
  const last = texts.at(-1) as string
  // Bounded: whatever has not arrived 10 s after the last send counts as lost.
  await b
    .waitForFunction((text) => window.__seenAt?.has(text), last, { timeout: 10_000 })
    .catch(() => {})
  const sent = new Map(await a.evaluate(() => [...(window.__sentAt ?? [])]))
  const seen = new Map(await b.evaluate(() => [...(window.__seenAt ?? [])]))
  const latencies: number[] = []
  for (const text of texts) {
    const sentAt = sent.get(text)
    const seenAt = seen.get(text)
    if (sentAt !== undefined && seenAt !== undefined) latencies.push(seenAt - sentAt)
  }
  const lost = count - latencies.length
  const seconds = round((Date.now() - start) / 1000)
  const slow = latencies.filter((latency) => latency >= 50).length
  // For reading a missed p99: a few slow outliers or a shifted distribution.
  const report =
    `${latencies.length} delivered, ${lost} lost in ${seconds} s; ` +
    `p90 ${round(percentile(latencies, 90))} ms, max ${round(Math.max(...latencies))} ms, ` +
    `${slow} at 50 ms or more`
  return { latencies, lost, report }
}

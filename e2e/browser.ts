// Helpers for the browser end-to-end tests: the whole local stack in this process, Debian's
// Chromium through playwright-core, and one browser context per person so nobody shares storage.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Route,
} from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest'
import { newMessageId, type TokenResponse } from '../functions/_shared/protocol.ts'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { startLocalStack } from '../local/stack.ts'
import { type NetworkSwitch, routeRelayThroughSwitch } from './network-switch.ts'

/** Where the SPA sends message writes (POST) and reads history (GET). */
export const MESSAGES_ROUTE = '**/functions/v1/chat/rooms/*/messages'

/** The key the e2e stack signs tokens with: tests mint special ones (room owners) with it. */
const E2E_DAILY_API_KEY = 'e2e-daily-api-key-0123456789abcdef'

export interface RunningApp {
  /** The stack's origin, e.g. http://localhost:41234, with the port it really listens on. */
  url: string
  stop(): Promise<void>
}

/**
 * Starts the local stack (SPA from dist/web, chat function, relay) on a free port, against the
 * test run's PostgreSQL. Build the SPA first: `npx vite build`.
 */
export async function startApp(): Promise<RunningApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'backchannel-e2e-'))
  try {
    const stack = await startLocalStack({
      // Port 0: the OS picks a free port and the stack reports the one it got.
      port: 0,
      host: '127.0.0.1',
      dataDir,
      // Only what the tests decide: nothing from the developer's shell or .env leaks in.
      // The rate limit is raised because one test sends more than the default burst, and the
      // token quota because every person of every test joins from 127.0.0.1.
      env: {
        DATABASE_URL: inject('databaseUrl'),
        CHAT_RATE_LIMIT: '1000',
        CHAT_TOKEN_QUOTA: '100000/60',
        DAILY_API_KEY: E2E_DAILY_API_KEY,
      },
    })
    return {
      url: stack.url,
      async stop() {
        await stack.stop()
        await rm(dataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })
    throw error
  }
}

/** Headless Chromium from the path the global setup found (test/chromium.ts). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromiumPath'),
    headless: true,
    // No sandbox: tests run as root in containers. No background networking: the machine has no
    // internet and the tests must not reach beyond localhost.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

export { uniqueRoom } from '../test/chat-harness.ts'

interface ConsoleEntry {
  type: string
  text: string
}

export interface Person {
  name: string
  context: BrowserContext
  page: Page
  /** The message list (role log, "Chat messages"). */
  log: Locator
  /** The message with exactly this text, inside the message list. */
  message(text: string): Locator
  /** Types `text` in the "Message" field and presses Enter. */
  send(text: string): Promise<void>
  /** The texts of the message bodies in the list, top to bottom. */
  messages(): Promise<string[]>
  /** Resolves once the chat function has stored every message this person sent. */
  allSaved(timeout?: number): Promise<void>
  /** Everything the page printed to its console, in order. */
  console: ConsoleEntry[]
  /** Uncaught exceptions, and any alert/confirm/prompt dialog (which injected script would open). */
  pageErrors: string[]
  /** Console errors and uncaught exceptions, except those matching `allowed`. */
  problems(allowed?: RegExp[]): string[]
  /** Only with `{ droppableRelay: true }`: cuts and restores this person's network. */
  network: NetworkSwitch
}

export interface NewPersonOptions {
  name: string
  room: string
  /**
   * Route this person's relay WebSocket through Playwright so the test can drop it. Chromium's
   * offline emulation fails new connections but leaves an open WebSocket silently open
   * (microsoft/playwright#4910), so `setOffline` alone cannot take a live connection down.
   */
  droppableRelay?: boolean
  /** Joins with this token (e.g. a room owner's) instead of asking for one on the join screen. */
  token?: string
}

/** Opens the app as a new person in their own browser context and joins `room` as `name`. */
export async function newPerson(
  browser: Browser,
  appUrl: string,
  { name, room, droppableRelay = false, token }: NewPersonOptions,
): Promise<Person> {
  const context = await browser.newContext()
  // Below Vitest's test timeout, so a stuck step fails with Playwright's account of what it awaited.
  context.setDefaultTimeout(STEP_MS)
  const network = droppableRelay ? await routeRelayThroughSwitch(context) : noSwitch(name)
  const page = await context.newPage()

  const consoleEntries: ConsoleEntry[] = []
  const pageErrors: string[] = []
  page.on('console', (entry) => consoleEntries.push({ type: entry.type(), text: entry.text() }))
  page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`))
  page.on('dialog', (dialog) => {
    pageErrors.push(`dialog (${dialog.type()}): ${dialog.message()}`)
    // Dismissed so the page goes on; it may already be closing, then there is nothing to dismiss.
    dialog.dismiss().catch(() => {})
  })

  // Ids of this person's messages the function answered 2xx for (a retry counts once).
  const savedIds = new Set<string>()
  page.on('response', (response) => {
    const request = response.request()
    if (request.method() !== 'POST' || !/\/rooms\/[^/]+\/messages$/.test(request.url())) return
    const id = messageIdOf(request.postData())
    if (id && response.ok()) savedIds.add(id)
  })

  if (token) {
    // What the join screen would have kept for this tab (web/src/session.ts).
    const [, payload = ''] = token.split('.')
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const joined = {
      room,
      token,
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      user: { id: claims.ud, name: claims.u },
    }
    await context.addInitScript((value) => {
      sessionStorage.setItem('backchannel.joined', value)
    }, JSON.stringify(joined))
  }
  await page.goto(`${appUrl}/?room=${encodeURIComponent(room)}`)
  if (!token) {
    await page.getByLabel('Your name').fill(name)
    await page.getByRole('button', { name: 'Join' }).click()
  }
  const log = page.getByRole('log', { name: 'Chat messages' })
  await log.waitFor({ state: 'visible' })

  let sent = 0
  return {
    name,
    context,
    page,
    log,
    message: (text) => log.getByText(text, { exact: true }),
    async send(text) {
      const field = page.getByRole('textbox', { name: 'Message' })
      await field.fill(text)
      await field.press('Enter')
      sent += 1
    },
    messages: () => log.getByTestId('message-body').allTextContents(),
    async allSaved(timeout = 5000) {
      // Counted from the network, not from the UI, so it holds whatever the markers look like.
      await expect
        .poll(() => savedIds.size, {
          timeout,
          message: `${name}'s messages were not all stored`,
        })
        .toBeGreaterThanOrEqual(sent)
    },
    console: consoleEntries,
    pageErrors,
    problems: (allowed = []) =>
      [
        ...consoleEntries.filter((entry) => entry.type === 'error').map((entry) => entry.text),
        ...pageErrors,
      ].filter((text) => !allowed.some((pattern) => pattern.test(text))),
    network,
  }
}

/**
 * Holds this page's message writes (POST) until the returned function is called, so a test can
 * look at the page while the chat function has not answered yet.
 */
export async function holdMessageWrites(page: Page): Promise<() => Promise<void>> {
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const hold = async (route: Route) => {
    if (route.request().method() !== 'POST') return route.fallback()
    await released
    // The page may be gone by then (a failed test closes its context); nothing is left to do.
    await route.continue().catch(() => {})
  }
  await page.route(MESSAGES_ROUTE, hold)
  return async () => {
    release()
    await page.unroute(MESSAGES_ROUTE, hold)
  }
}

function messageIdOf(postData: string | null): string | undefined {
  try {
    const id = JSON.parse(postData ?? 'null')?.id
    return typeof id === 'string' ? id.toLowerCase() : undefined
  } catch {
    // Not JSON, so not a message write of this app.
    return undefined
  }
}

function noSwitch(name: string): NetworkSwitch {
  const refuse = () =>
    Promise.reject(new Error(`${name} was created without { droppableRelay: true }`))
  return { offline: refuse, online: refuse, reconnectedAt: () => undefined }
}

/**
 * How long a step that takes a moment (a live message arriving, a panel opening) may take before
 * the test fails: many times what it needs even on a loaded machine (the whole suite on two
 * cores), so only a hang fails it. The tests wait for events; they measure no speed.
 */
export const STEP_MS = 10_000

/**
 * Waits until `locator` is visible: Playwright's auto-waiting with an assertion timeout (not a
 * timing measurement). playwright-core has no `expect`, so this stands in for toBeVisible.
 */
export async function expectVisible(locator: Locator, timeout = STEP_MS): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout })
}

/** Waits until `locator` matches nothing visible (the counterpart of toBeHidden). */
export async function expectHidden(locator: Locator, timeout = STEP_MS): Promise<void> {
  // waitFor({ state: 'hidden' }) would refuse a locator that matches several elements.
  await expect
    .poll(() => locator.filter({ visible: true }).count(), {
      timeout,
      message: `still visible: ${locator}`,
    })
    .toBe(0)
}

export interface E2ESession {
  /** The running app; set once the file's beforeAll has run. */
  readonly app: RunningApp
  readonly browser: Browser
  /** Everyone who joined in the current test. */
  readonly people: readonly Person[]
  /** A new person (own browser context) joins `room`; their context closes after the test. */
  join(name: string, room: string, options?: Partial<NewPersonOptions>): Promise<Person>
  /** A room owner (a token with `o: true`, as a host's backend mints it) joins `room`. */
  joinAsOwner(name: string, room: string): Promise<Person>
}

/**
 * Registers a test file's hooks: the app and a browser for the file, every person's browser
 * context closed after each test.
 */
export function setupE2ESession(): E2ESession {
  let app: RunningApp | undefined
  let browser: Browser | undefined
  let people: Person[] = []

  beforeAll(async () => {
    app = await startApp()
    browser = await launchBrowser()
  })
  afterEach(async () => {
    await Promise.all(people.map((person) => person.context.close()))
    people = []
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  const started = () => {
    if (!app || !browser) throw new Error('setupE2ESession: used before beforeAll ran')
    return { app, browser }
  }
  return {
    get app() {
      return started().app
    },
    get browser() {
      return started().browser
    },
    get people() {
      return people
    },
    async join(name, room, options = {}) {
      const { app, browser } = started()
      const person = await newPerson(browser, app.url, { name, room, ...options })
      people.push(person)
      return person
    },
    async joinAsOwner(name, room) {
      return this.join(name, room, { token: (await ownerToken(room, name)).token })
    },
  }
}

/** A room owner's token for `name` in `room`, as a host's backend mints one. */
export async function ownerToken(room: string, name: string) {
  const tokens = createRoomTokens({ apiKey: E2E_DAILY_API_KEY, ttlSeconds: 3600 })
  const user = { id: crypto.randomUUID(), name }
  return { token: (await tokens.mint(room, user, { owner: true })).token, user }
}

/**
 * The chat function of the running app, called as a program would (no browser): for setting up
 * a room's history before people join.
 */
export function chatFunction(appUrl: string) {
  async function call(path: string, token: string | undefined, init: RequestInit = {}) {
    const response = await fetch(`${appUrl}/functions/v1/chat${path}`, {
      ...init,
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
    })
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status}`)
    return response
  }
  return {
    /** A token for `userName` in the open room `room`. */
    async tokenFor(room: string, userName: string): Promise<TokenResponse> {
      const response = await call(`/rooms/${room}/tokens`, undefined, {
        method: 'POST',
        body: JSON.stringify({ userName }),
      })
      return (await response.json()) as TokenResponse
    },
    /** Writes a message as `who`; the stored message's id. */
    async post(
      room: string,
      who: TokenResponse,
      message: { body: string; replyTo?: string },
    ): Promise<{ id: string }> {
      const response = await call(`/rooms/${room}/messages`, who.token, {
        method: 'POST',
        body: JSON.stringify({ id: newMessageId(who.user.id), ...message }),
      })
      return (await response.json()) as { id: string }
    },
    /** Edits `who`'s message `id` to `body`. */
    async edit(room: string, who: TokenResponse, id: string, body: string): Promise<void> {
      await call(`/rooms/${room}/messages/${id}`, who.token, {
        method: 'PATCH',
        body: JSON.stringify({ body }),
      })
    },
  }
}

/**
 * Hides or shows the tab as the browser would when the person switches tabs: Chromium keeps a
 * headless page visible, so the page is told so (the property and its event), as a real switch
 * would tell it.
 */
export async function setTab(page: Page, state: 'hidden' | 'visible') {
  await page.evaluate((value) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value })
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => value === 'hidden' })
    document.dispatchEvent(new Event('visibilitychange'))
  }, state)
}

/** Resolves with the request that writes this person's message with this body (its POST). */
export const writeOf = (person: Person, body: string) =>
  person.page.waitForRequest(
    (request) =>
      request.method() === 'POST' &&
      /\/rooms\/[^/]+\/messages$/.test(request.url()) &&
      request.postDataJSON()?.body === body,
  )

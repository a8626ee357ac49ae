// The relay on a real HTTP server, driven by raw `ws` clients that can send what a well-behaved
// client never would.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type ClientOptions, WebSocket, WebSocketServer } from 'ws'
import type { RelayParticipant, ServerFrame } from '../functions/_shared/relay-protocol.ts'
import { CLOCK_TOLERANCE_SECONDS, createRoomTokens } from '../functions/chat/tokens.ts'
import { FakeClock } from '../web/test-support/fake-clock.ts'
import { attachRelay, type Relay, type RelayOptions } from './relay.ts'

const API_KEY = 'relay-test-daily-api-key-0123456789'
const tokens = createRoomTokens({ apiKey: API_KEY, ttlSeconds: 3600 })

interface Running {
  server: Server
  relay: Relay
  url: string
  close(): Promise<void>
}

const running: Running[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((relay) => relay.close()))
})

/** A relay on 127.0.0.1 and a free port, closed after the test. */
async function startRelay(options: Partial<RelayOptions> = {}): Promise<Running> {
  // Answers what reaches it as plain HTTP, such as an upgrade once the relay is closed.
  const server = createServer((_, response) => response.writeHead(404).end())
  const relay = attachRelay(server, { tokens, ...options })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  let closed = false
  const started: Running = {
    server,
    relay,
    url: `ws://127.0.0.1:${port}/relay`,
    async close() {
      if (closed) return
      closed = true
      await relay.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  running.push(started)
  return started
}

interface Client {
  ws: WebSocket
  /** The next frame from the relay; rejects if the connection closes first. */
  next(): Promise<ServerFrame>
  /** Sends `frame` as JSON text, or a string as it is. */
  send(frame: unknown): void
  /** Frames received and not yet taken with `next`. */
  buffered(): ServerFrame[]
  /**
   * Resolves once the relay has handled every frame sent before: its pong follows them on the
   * same connection, and everything it sent back in the meantime has arrived.
   */
  handled(): Promise<void>
  closed: Promise<{ code: number; reason: string }>
}

async function connect(url: string, options?: ClientOptions): Promise<Client> {
  const ws = new WebSocket(url, options)
  const frames: ServerFrame[] = []
  const waiting: { resolve: (frame: ServerFrame) => void; reject: (error: Error) => void }[] = []
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as ServerFrame
    const waiter = waiting.shift()
    if (waiter) waiter.resolve(frame)
    else frames.push(frame)
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`closed (${code})`))
      resolve({ code, reason: reason.toString() })
    })
  })
  await once(ws, 'open')
  return {
    ws,
    next: () => {
      const frame = frames.shift()
      if (frame) return Promise.resolve(frame)
      if (ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('closed'))
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
    },
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    buffered: () => [...frames],
    handled: async () => {
      const pong = once(ws, 'pong')
      ws.ping()
      await pong
    },
    closed,
  }
}

/** The error a WebSocket handshake to `url` fails with. */
function refusal(url: string): Promise<string> {
  const ws = new WebSocket(url)
  return new Promise((resolve, reject) => {
    ws.on('open', () => reject(new Error(`${url} accepted the connection`)))
    ws.on('error', (error) => resolve(error.message))
  })
}

const tokenFor = async (room: string, name = 'Ana', id: string = randomUUID()) =>
  (await tokens.mint(room, { id, name })).token

/** A client past its welcome, with `token` or a fresh one for `room`. */
async function joined(url: string, room: string, name = 'Ana', id?: string, token?: string) {
  const client = await connect(url)
  client.send({ type: 'hello', token: token ?? (await tokenFor(room, name, id)) })
  const welcome = await client.next()
  if (welcome.type !== 'welcome') throw new Error(`expected a welcome, got ${welcome.type}`)
  const self = welcome.participants.find((p) => p.sessionId === welcome.sessionId)
  return { ...client, welcome, self: self as RelayParticipant }
}

const uniqueRoom = () => `relay-${randomUUID().slice(0, 8)}`

describe('attachRelay', () => {
  it('admits a valid token: a new session, named and identified by the token', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const anaId = randomUUID()

    const ana = await joined(url, room, 'Ana', anaId)
    expect(ana.welcome.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(ana.welcome.participants).toEqual([
      { sessionId: ana.welcome.sessionId, userId: anaId, userName: 'Ana', owner: false },
    ])

    // The same person in a second tab is a second session.
    const anaAgain = await joined(url, room, 'Ana', anaId)
    expect(anaAgain.welcome.sessionId).not.toBe(ana.welcome.sessionId)
    expect(anaAgain.welcome.participants).toEqual([ana.self, anaAgain.self])
    expect(await ana.next()).toEqual({ type: 'participant-joined', participant: anaAgain.self })
  })

  it("names a room owner as one, from the token's o claim", async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const hostToken = (await tokens.mint(room, { id: randomUUID(), name: 'Host' }, { owner: true }))
      .token
    const host = await joined(url, room, 'Host', undefined, hostToken)
    expect(host.self.owner).toBe(true)
    expect(await ana.next()).toEqual({
      type: 'participant-joined',
      participant: expect.objectContaining({ userName: 'Host', owner: true }),
    })
  })

  it.each([
    ['signed with another key', 'invalid_token', () => otherKeyToken()],
    ['expired', 'token_expired', () => expiredToken()],
    ['with the name changed', 'invalid_token', () => renamedToken('Mallory')],
    ['not a JWT', 'invalid_token', async () => 'not-a-token'],
  ])('refuses a token %s: error frame, then close 4401', async (_, code, token) => {
    const { url } = await startRelay()
    const client = await connect(url)
    client.send({ type: 'hello', token: await token() })

    expect(await client.next()).toMatchObject({ type: 'error', code, message: expect.any(String) })
    expect(await client.closed).toEqual({ code: 4401, reason: code })
  })

  it.each([
    ['a send', { type: 'send', data: 'hi' }, 'hello_required'],
    ['a hello without token', { type: 'hello' }, 'invalid_frame'],
    // Nobody chooses their own name: it comes from the token.
    ['a hello with a name', { type: 'hello', token: 'x', userName: 'Boss' }, 'invalid_frame'],
    ['text that is not JSON', 'hello?', 'invalid_json'],
  ])(
    'refuses a connection that starts with %s: error frame, then close 4401',
    async (_, first, code) => {
      const { url } = await startRelay()
      const client = await connect(url)
      client.send(first)

      expect(await client.next()).toMatchObject({ type: 'error', code })
      expect((await client.closed).code).toBe(4401)
    },
  )

  it('closes a connection that sends no hello in time', async () => {
    const { url } = await startRelay({ helloTimeoutMs: 50 })
    const client = await connect(url)

    expect(await client.next()).toMatchObject({ type: 'error', code: 'hello_timeout' })
    expect((await client.closed).code).toBe(4401)
  })

  it("broadcasts to the room's other sessions only, with the sender's session id", async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const other = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const bea = await joined(url, room, 'Bea')
    const cy = await joined(url, other, 'Cy')
    const dee = await joined(url, other, 'Dee')
    await ana.next() // Bea joined
    await cy.next() // Dee joined

    const data = { v: 1, type: 'typing', typing: true, nested: [1, 'two', null] }
    ana.send({ type: 'send', data })
    expect(await bea.next()).toEqual({ type: 'app-message', data, fromId: ana.self.sessionId })

    // Whatever reaches Ana and Cy next was sent after Ana's message was fully broadcast: had the
    // relay echoed it to Ana or leaked it to the other room, that would have come first.
    bea.send({ type: 'send', data: 'to Ana' })
    dee.send({ type: 'send', data: 'to Cy' })
    expect(await ana.next()).toEqual({
      type: 'app-message',
      data: 'to Ana',
      fromId: bea.self.sessionId,
    })
    expect(await cy.next()).toEqual({
      type: 'app-message',
      data: 'to Cy',
      fromId: dee.self.sessionId,
    })
  })

  it('sends what the function says (sendFromApi) to everyone in the room, from API', async () => {
    const { url, relay } = await startRelay()
    const room = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const bea = await joined(url, room, 'Bea')
    const cy = await joined(url, uniqueRoom(), 'Cy')
    await ana.next() // Bea joined

    const data = { v: 1, type: 'questions', questions: [] }
    relay.sendFromApi(room, data)
    const expected = { type: 'app-message', data, fromId: 'API' }
    expect(await ana.next()).toEqual(expected)
    expect(await bea.next()).toEqual(expected)
    await cy.handled()
    expect(cy.buffered()).toEqual([])
    // As Daily's REST API: no more than one app message holds.
    expect(() => relay.sendFromApi(room, 'x'.repeat(4095))).toThrow(
      'Message data too large. Max size is 4096',
    )
  })

  it('sends a frame addressed with to only to those sessions of the room', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const other = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const ben = await joined(url, room, 'Ben')
    const cy = await joined(url, room, 'Cy')
    const eve = await joined(url, other, 'Eve')
    const dee = await joined(url, other, 'Dee')
    await eve.next() // Dee joined
    await ana.next() // Ben joined
    await ana.next() // Cy joined
    await ben.next() // Cy joined

    // To Ben alone; naming Eve's session (another room) reaches nobody there.
    const secret = { v: 1, type: 'chat', body: 'just for Ben' }
    ana.send({ type: 'send', data: secret, to: [ben.self.sessionId, eve.self.sessionId] })
    expect(await ben.next()).toEqual({
      type: 'app-message',
      data: secret,
      fromId: ana.self.sessionId,
    })
    // What reaches Cy and Eve next was sent after: the private frame never came to them.
    ana.send({ type: 'send', data: 'for everyone' })
    expect(await cy.next()).toMatchObject({ data: 'for everyone' })
    ben.send({ type: 'send', data: 'ping', to: [ana.self.sessionId] })
    expect(await ana.next()).toMatchObject({ data: 'ping' })
    // And Eve's next frame is one sent after it in her own room.
    dee.send({ type: 'send', data: 'for Eve' })
    expect(await eve.next()).toMatchObject({ data: 'for Eve', fromId: dee.self.sessionId })
  })

  it('tells the others who left', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const bea = await joined(url, room, 'Bea')
    expect(await ana.next()).toEqual({ type: 'participant-joined', participant: bea.self })

    bea.ws.close()
    expect(await ana.next()).toEqual({ type: 'participant-left', participant: bea.self })
  })

  it('passes data of 4,096 characters of JSON, refuses 4,097 with too_large', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const bea = await joined(url, room, 'Bea')
    await ana.next() // Bea joined
    // JSON.stringify adds the two quotes; é is one UTF-16 unit, as Daily counts.
    const fits = 'é'.repeat(4094)
    const tooLarge = 'é'.repeat(4095)
    expect(JSON.stringify(fits)).toHaveLength(4096)

    ana.send({ type: 'send', data: tooLarge })
    expect(await ana.next()).toEqual({
      type: 'error',
      code: 'too_large',
      message: 'Message data too large. Max size is 4096',
    })
    ana.send({ type: 'send', data: fits })
    expect(await bea.next()).toEqual({
      type: 'app-message',
      data: fits,
      fromId: ana.self.sessionId,
    })
  })

  it('answers every bad frame after the welcome with an error, broadcasts none', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const bea = await joined(url, room, 'Bea')
    await ana.next() // Bea joined

    const bad: [unknown, string][] = [
      ['{not json', 'invalid_json'],
      [{ type: 'send' }, 'invalid_frame'],
      [{ type: 'send', data: 'x', fromId: bea.self.sessionId }, 'invalid_frame'],
      [{ type: 'shout', data: 'x' }, 'invalid_frame'],
      [{ type: 'send', data: 'x', to: [] }, 'invalid_frame'],
      [{ type: 'send', data: 'x', to: 'everyone' }, 'invalid_frame'],
      [
        { type: 'send', data: 'x', to: Array.from({ length: 21 }, (_, i) => `s${i}`) },
        'invalid_frame',
      ],
      [{ data: 'x' }, 'invalid_frame'],
      [['send', 'x'], 'invalid_frame'],
      ['null', 'invalid_frame'],
      [{ type: 'hello', token: await tokenFor(room) }, 'already_joined'],
    ]
    for (const [frame, code] of bad) {
      ana.send(frame)
      expect(await ana.next(), JSON.stringify(frame)).toMatchObject({ type: 'error', code })
    }
    const deep = 30_000
    ana.send(`{"type":"send","data":${'['.repeat(deep)}${']'.repeat(deep)}}`)
    expect(await ana.next()).toMatchObject({ type: 'error', code: 'invalid_frame' })
    ana.ws.send(Buffer.from(JSON.stringify({ type: 'send', data: 'binary' })), { binary: true })
    expect(await ana.next()).toMatchObject({ type: 'error', code: 'invalid_frame' })

    ana.send({ type: 'send', data: 'after' })
    expect(await bea.next()).toEqual({
      type: 'app-message',
      data: 'after',
      fromId: ana.self.sessionId,
    })
    expect(ana.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('closes a connection that sends a frame over 64 KiB', async () => {
    const { url } = await startRelay()
    const ana = await joined(url, uniqueRoom())

    ana.send({ type: 'send', data: 'x'.repeat(64 * 1024) })
    expect((await ana.closed).code).toBe(1009)
  })

  it('terminates connections that stop answering pings, keeps the others', async () => {
    // Long enough for a live client on a busy machine to answer in time.
    const { url } = await startRelay({ heartbeatMs: 100 })
    const room = uniqueRoom()
    const live = await joined(url, room, 'Ana')
    const dead = await connect(url, { autoPong: false })
    dead.send({ type: 'hello', token: await tokenFor(room, 'Bea') })
    expect(await dead.next()).toMatchObject({ type: 'welcome' })
    await live.next() // Bea joined

    expect((await dead.closed).code).toBe(1006)
    expect(await live.next()).toMatchObject({
      type: 'participant-left',
      participant: { userName: 'Bea' },
    })
    expect(live.ws.readyState).toBe(WebSocket.OPEN)
  })

  describe('token expiry', () => {
    // Tokens and relay on one fake clock: expiry is tested by moving time, not by waiting.
    const TTL_SECONDS = 60
    function clocked() {
      const clock = new FakeClock()
      const clockedTokens = createRoomTokens({
        apiKey: API_KEY,
        ttlSeconds: TTL_SECONDS,
        now: () => new Date(clock.now()),
      })
      const token = async (room: string, name: string) =>
        (await clockedTokens.mint(room, { id: randomUUID(), name })).token
      return { clock, tokens: clockedTokens, token }
    }

    it('closes an open connection once its exp plus 5 s passes: token_expired, 4401', async () => {
      const { clock, tokens: clockedTokens, token } = clocked()
      const { url } = await startRelay({ tokens: clockedTokens, clock })
      const room = uniqueRoom()
      const ana = await joined(url, room, 'Ana', undefined, await token(room, 'Ana'))
      clock.advance(30_000) // Bea's token is younger and outlives Ana's.
      const bea = await joined(url, room, 'Bea', undefined, await token(room, 'Bea'))
      await ana.next() // Bea joined

      // Just inside the tolerance Ana still gets through.
      clock.advance((TTL_SECONDS + CLOCK_TOLERANCE_SECONDS - 30) * 1000 - 1)
      ana.send({ type: 'send', data: 'still here' })
      expect(await bea.next()).toMatchObject({ type: 'app-message', data: 'still here' })

      // Ana's client tries to squeeze one more frame in as the relay's refusal arrives.
      ana.ws.on('message', () => ana.ws.send(JSON.stringify({ type: 'send', data: 'sneaked' })))
      clock.advance(1)
      expect(await ana.next()).toEqual({
        type: 'error',
        code: 'token_expired',
        message: 'Your session has expired. Rejoin the room to keep chatting.',
      })
      expect(await ana.closed).toEqual({ code: 4401, reason: 'token_expired' })
      expect(await bea.next()).toEqual({ type: 'participant-left', participant: ana.self })
      // Bea's next frame was sent after Ana was gone: had 'sneaked' been delivered, it came first.
      const cy = await joined(url, room, 'Cy', undefined, await token(room, 'Cy'))
      expect(await bea.next()).toEqual({ type: 'participant-joined', participant: cy.self })
    })

    it('refuses at hello a token expired more than 5 s ago, admits one within', async () => {
      const { clock, tokens: clockedTokens, token } = clocked()
      const { url } = await startRelay({ tokens: clockedTokens, clock })
      const room = uniqueRoom()
      const stale = await token(room, 'Ana')
      const lateButValid = await token(room, 'Bea')

      clock.advance((TTL_SECONDS + CLOCK_TOLERANCE_SECONDS - 1) * 1000)
      const bea = await joined(url, room, 'Bea', undefined, lateButValid)
      clock.advance(1000 + 1)
      const ana = await connect(url)
      ana.send({ type: 'hello', token: stale })
      expect(await ana.next()).toMatchObject({ type: 'error', code: 'token_expired' })
      expect(await ana.closed).toEqual({ code: 4401, reason: 'token_expired' })
      // The same moment ended Bea's connection, admitted a second before.
      expect(await bea.next()).toMatchObject({ type: 'error', code: 'token_expired' })
      expect((await bea.closed).code).toBe(4401)
    })

    it('judges expiry by its own clock at hello too: refused before any welcome', async () => {
      // The token check passes (its clock is now); the relay's clock is years ahead.
      const { url } = await startRelay({ clock: new FakeClock(Date.now() + 365 * 24 * 3600_000) })
      const ana = await connect(url)
      ana.send({ type: 'hello', token: await tokenFor(uniqueRoom()) })

      expect(await ana.next()).toMatchObject({ type: 'error', code: 'token_expired' })
      expect(await ana.closed).toEqual({ code: 4401, reason: 'token_expired' })
    })

    it('keeps a connection whose token lives longer than a timer can wait', async () => {
      const clock = new NodeTimerClock()
      const longTokens = createRoomTokens({
        apiKey: API_KEY,
        ttlSeconds: 60 * 24 * 3600,
        now: () => new Date(clock.now()),
      })
      const { url } = await startRelay({ tokens: longTokens, clock })
      const room = uniqueRoom()
      const mint = async (name: string) =>
        (await longTokens.mint(room, { id: randomUUID(), name })).token
      const ana = await joined(url, room, 'Ana', undefined, await mint('Ana'))
      const bea = await joined(url, room, 'Bea', undefined, await mint('Bea'))
      await ana.next() // Bea joined

      // 30 days: past setTimeout's 24.8-day limit, far before the 60-day expiry.
      clock.advance(30 * 24 * 3600_000)
      ana.send({ type: 'send', data: 'a month on' })
      expect(await bea.next()).toMatchObject({ type: 'app-message', data: 'a month on' })
      clock.advance(30 * 24 * 3600_000 + CLOCK_TOLERANCE_SECONDS * 1000)
      expect(await ana.next()).toMatchObject({ type: 'error', code: 'token_expired' })
    })
  })

  it('drops frames over 20 a second (40 at once), tells the sender once a second', async () => {
    // Time stands still: the 3,000 frames arrive within one instant of the relay's clock.
    const clock = new FakeClock(Date.now())
    const { url } = await startRelay({ clock, frameRate: { perSecond: 20, burst: 40 } })
    const room = uniqueRoom()
    const ana = await joined(url, room, 'Ana')
    const bea = await joined(url, room, 'Bea')
    await ana.next() // Bea joined
    const kilobyte = 'x'.repeat(1024)

    for (let i = 0; i < 3000; i++) ana.send({ type: 'send', data: { i, kilobyte } })
    await ana.handled()
    // One notice for 2,961 dropped frames.
    expect(ana.buffered()).toEqual([
      {
        type: 'error',
        code: 'rate_limited',
        message:
          'Too many frames: up to 20 a second (40 at once). Frames over it are not delivered.',
      },
    ])
    await ana.next()

    // A second later there is room for 20 more, and one more notice for the rest.
    clock.advance(1000)
    for (let i = 3000; i < 3030; i++) ana.send({ type: 'send', data: { i, kilobyte } })
    await ana.handled()
    expect(ana.buffered()).toMatchObject([{ type: 'error', code: 'rate_limited' }])
    await ana.next()
    clock.advance(1000)
    ana.send({ type: 'send', data: 'last' })

    const delivered: number[] = []
    for (;;) {
      const frame = await bea.next()
      if (frame.type !== 'app-message') throw new Error(`unexpected ${frame.type}`)
      if (frame.data === 'last') break
      delivered.push((frame.data as { i: number }).i)
    }
    // Ana's hello took one of the 40: 39 of the first flood, then 20 of the second.
    const firstFlood = Array.from({ length: 39 }, (_, i) => i)
    const secondFlood = Array.from({ length: 20 }, (_, i) => 3000 + i)
    expect(delivered).toEqual([...firstFlood, ...secondFlood])
    expect(ana.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('admits 5 connections of one user to a room, refuses the 6th: too_many_connections', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const bea = await joined(url, room, 'Bea')
    const anaToken = await tokenFor(room, 'Ana')

    // All six at once: the check must hold while their tokens are being verified together.
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect(url)))
    for (const client of clients) client.send({ type: 'hello', token: anaToken })
    const answers = await Promise.all(clients.map((client) => client.next()))

    expect(answers.filter((frame) => frame.type === 'welcome')).toHaveLength(5)
    const refused = clients[answers.findIndex((frame) => frame.type === 'error')] as Client
    expect(answers.filter((frame) => frame.type === 'error')).toEqual([
      {
        type: 'error',
        code: 'too_many_connections',
        message:
          'You already have 5 connections to this room: close another tab or window, then try again.',
      },
    ])
    expect(await refused.closed).toEqual({ code: 4429, reason: 'too_many_connections' })
    for (let i = 0; i < 5; i++) {
      expect(await bea.next()).toMatchObject({ type: 'participant-joined' })
    }

    // A closed tab frees its place; others, and the same person in another room, are not counted.
    const open = clients.filter((client) => client !== refused)
    ;(open[0] as Client).ws.close()
    expect(await bea.next()).toMatchObject({ type: 'participant-left' })
    await joined(url, room, 'Ana', undefined, anaToken)
    const anaId = (await tokens.verify(anaToken)).ud
    await joined(url, uniqueRoom(), 'Ana', anaId)
    await joined(url, room, 'Cy')
  })

  it('leaves upgrades on other paths to other listeners', async () => {
    const { server, url } = await startRelay()
    const elsewhere = url.replace('/relay', '/elsewhere')

    // Alone on the server, the relay answers other paths itself, or the client would hang.
    expect(await refusal(elsewhere)).toBe('Unexpected server response: 404')

    const other = new WebSocketServer({ noServer: true })
    server.on('upgrade', (request, socket, head) => {
      if (request.url === '/elsewhere') other.handleUpgrade(request, socket, head, () => {})
    })
    const accepted = await connect(elsewhere)
    expect(accepted.ws.readyState).toBe(WebSocket.OPEN)
    accepted.ws.terminate()
    other.close()
  })

  describe("the end of a room's call (retention until the call ends)", () => {
    /** The relay's clock, telling when a timer of `ms` is set: the relay handled a leave. */
    function watchedClock() {
      const clock = new FakeClock()
      const waiting: { ms: number; resolve: () => void }[] = []
      // Tokens on the same clock, so that moving it does not expire them.
      const clockedTokens = createRoomTokens({
        apiKey: API_KEY,
        ttlSeconds: 3600,
        now: () => new Date(clock.now()),
      })
      return {
        clock,
        tokens: clockedTokens,
        token: async (room: string, name: string) =>
          (await clockedTokens.mint(room, { id: randomUUID(), name })).token,
        now: () => clock.now(),
        setTimeout(callback: () => void, ms: number) {
          const handle = clock.setTimeout(callback, ms)
          for (const waiter of waiting.filter((w) => w.ms === ms)) {
            waiting.splice(waiting.indexOf(waiter), 1)
            waiter.resolve()
          }
          return handle
        },
        clearTimeout: (handle: unknown) => clock.clearTimeout(handle),
        timerSet: (ms: number) => new Promise<void>((resolve) => waiting.push({ ms, resolve })),
      }
    }

    it('reports the end once the room stayed empty 20 s, timed from the last leave; a return within is the same call', async () => {
      const clock = watchedClock()
      const ended: [string, number][] = []
      const started: [string, number][] = []
      const { url } = await startRelay({
        clock,
        tokens: clock.tokens,
        onCallEnded: (room, at) => ended.push([room, at.getTime()]),
        onCallStarted: (room, at) => started.push([room, at.getTime()]),
      })
      const room = uniqueRoom()
      const ana = await joined(url, room, 'Ana', undefined, await clock.token(room, 'Ana'))
      expect(started).toEqual([[room, clock.now()]])

      // Ana's connection drops; she is back 19 s later, as Daily's reconnection would be.
      let left = clock.timerSet(20_000)
      ana.ws.close()
      await left
      clock.clock.advance(19_000)
      const back = await joined(url, room, 'Ana', undefined, await clock.token(room, 'Ana'))
      clock.clock.advance(5_000)
      expect(ended).toEqual([])
      expect(started).toHaveLength(1)

      // She leaves for good: the end is when she left, reported 20 s later.
      left = clock.timerSet(20_000)
      back.ws.close()
      await left
      const leftAt = clock.now()
      clock.clock.advance(19_999)
      expect(ended).toEqual([])
      clock.clock.advance(1)
      expect(ended).toEqual([[room, leftAt]])

      // Someone joins later: a new call starts.
      await joined(url, room, 'Bea', undefined, await clock.token(room, 'Bea'))
      expect(started).toEqual([
        [room, expect.any(Number)],
        [room, clock.now()],
      ])
    })

    it('a relay that stops ends no call', async () => {
      const clock = watchedClock()
      const ended: string[] = []
      const running = await startRelay({
        clock,
        tokens: clock.tokens,
        onCallEnded: (room) => ended.push(room),
      })
      const room = uniqueRoom()
      await joined(running.url, room, 'Ana', undefined, await clock.token(room, 'Ana'))
      await running.close()
      clock.clock.advance(60_000)
      expect(ended).toEqual([])
    })
  })

  it('close() closes every connection with 1001 and admits nobody after', async () => {
    const { relay, url } = await startRelay()
    const ana = await joined(url, uniqueRoom())

    await relay.close()
    expect((await ana.closed).code).toBe(1001)
    // The HTTP server still runs; the relay no longer answers its upgrades.
    expect(await refusal(url)).toBe('Unexpected server response: 404')
  })
})

/** A FakeClock that refuses delays Node's setTimeout cannot keep (it would fire them at once). */
class NodeTimerClock extends FakeClock {
  override setTimeout(callback: () => void, ms: number): number {
    if (ms > 2 ** 31 - 1) throw new RangeError(`setTimeout would fire a ${ms} ms timer at once`)
    return super.setTimeout(callback, ms)
  }
}

async function otherKeyToken() {
  const other = createRoomTokens({ apiKey: 'some-other-domain-api-key-98765', ttlSeconds: 3600 })
  return (await other.mint(uniqueRoom(), { id: randomUUID(), name: 'Ana' })).token
}

async function expiredToken() {
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
  const past = createRoomTokens({ apiKey: API_KEY, ttlSeconds: 60, now: () => twoHoursAgo })
  return (await past.mint(uniqueRoom(), { id: randomUUID(), name: 'Ana' })).token
}

/** A valid token whose payload says another name, signature left as it was. */
async function renamedToken(name: string) {
  const [header, payload, signature] = (await tokenFor(uniqueRoom())).split('.')
  const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString())
  const renamed = Buffer.from(JSON.stringify({ ...claims, u: name })).toString('base64url')
  return `${header}.${renamed}.${signature}`
}

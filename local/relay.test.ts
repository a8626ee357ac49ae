// The relay on a real HTTP server, driven by raw `ws` clients that can send what a well-behaved
// client never would.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type ClientOptions, WebSocket, WebSocketServer } from 'ws'
import { createRoomTokens } from '../functions/chat/tokens.ts'
import { attachRelay, type Relay, type RelayOptions } from './relay.ts'
import type { RelayParticipant, ServerFrame } from './relay-protocol.ts'

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

/** A client past its welcome in `room`. */
async function joined(url: string, room: string, name = 'Ana', id?: string) {
  const client = await connect(url)
  client.send({ type: 'hello', token: await tokenFor(room, name, id) })
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
      { sessionId: ana.welcome.sessionId, userId: anaId, userName: 'Ana' },
    ])

    // The same person in a second tab is a second session.
    const anaAgain = await joined(url, room, 'Ana', anaId)
    expect(anaAgain.welcome.sessionId).not.toBe(ana.welcome.sessionId)
    expect(anaAgain.welcome.participants).toEqual([ana.self, anaAgain.self])
    expect(await ana.next()).toEqual({ type: 'participant-joined', participant: anaAgain.self })
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
    const { url } = await startRelay({ heartbeatMs: 20 })
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

  it('close() closes every connection with 1001 and admits nobody after', async () => {
    const { relay, url } = await startRelay()
    const ana = await joined(url, uniqueRoom())

    await relay.close()
    expect((await ana.closed).code).toBe(1001)
    // The HTTP server still runs; the relay no longer answers its upgrades.
    expect(await refusal(url)).toBe('Unexpected server response: 404')
  })
})

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

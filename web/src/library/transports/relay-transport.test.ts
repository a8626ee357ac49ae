// The relay transport against the real relay on 127.0.0.1, with the `ws` package's WebSocket.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { CLOCK_TOLERANCE_SECONDS, createRoomTokens } from '../../../../functions/chat/tokens.ts'
import { attachRelay, type RelayOptions } from '../../../../local/relay.ts'
import { FakeClock } from '../../../test-support/fake-clock.ts'
import type { Clock } from '../engine/clock.ts'
import {
  type ChatTransport,
  type ConnectionState,
  TransportError,
  type TransportEvents,
} from '../engine/live-channel.ts'
import { createRelayTransport } from './relay-transport.ts'

const API_KEY = 'relay-transport-test-api-key-0123456789'
// Shifted forward to make the relay see tokens as expired.
let clockSkewMs = 0
const tokens = createRoomTokens({
  apiKey: API_KEY,
  ttlSeconds: 3600,
  now: () => new Date(Date.now() + clockSkewMs),
})

interface Running {
  url: string
  port: number
  /** The server side of every connection, in the order they were made. */
  sockets: Duplex[]
  close(): Promise<void>
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  clockSkewMs = 0
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

/** A relay on 127.0.0.1 (on `port`, or a free one), closed after the test. */
async function startRelay(port = 0, relayOptions: Partial<RelayOptions> = {}): Promise<Running> {
  const server: Server = createServer((_, response) => response.writeHead(404).end())
  const relay = attachRelay(server, { tokens, ...relayOptions })
  const sockets: Duplex[] = []
  server.on('upgrade', (_, socket) => sockets.push(socket))
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address() as AddressInfo
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await relay.close()
    await new Promise((resolve) => server.close(resolve))
  }
  cleanups.push(close)
  return { url: `ws://127.0.0.1:${address.port}/relay`, port: address.port, sockets, close }
}

/** A Clock whose timers run only when the test fires them. */
class ManualClock implements Clock {
  private scheduled: { ms: number; fire: () => void }[] = []
  private waiting: ((timer: { ms: number; fire: () => void }) => void)[] = []
  private live = new Set<number>()
  private nextHandle = 1

  now() {
    return Date.now()
  }

  setTimeout(callback: () => void, ms: number) {
    const handle = this.nextHandle++
    this.live.add(handle)
    const timer = {
      ms,
      fire: () => {
        if (this.live.delete(handle)) callback()
      },
    }
    const waiter = this.waiting.shift()
    if (waiter) waiter(timer)
    else this.scheduled.push(timer)
    return handle
  }

  clearTimeout(handle: unknown) {
    this.live.delete(handle as number)
  }

  /** The next timer set (maybe already), to check its delay and fire it. */
  nextTimer(): Promise<{ ms: number; fire: () => void }> {
    const timer = this.scheduled.shift()
    if (timer) return Promise.resolve(timer)
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  /** Timers set and neither fired nor cleared. */
  pending() {
    return this.live.size
  }
}

const uniqueRoom = () => `transport-${randomUUID().slice(0, 8)}`
const tokenFor = async (room: string, name: string) =>
  (await tokens.mint(room, { id: randomUUID(), name })).token

function transportFor(
  url: string,
  token: string,
  clock: Clock = new ManualClock(),
  network?: EventTarget,
) {
  const transport = createRelayTransport({
    url,
    token,
    // `ws` implements the browser's WebSocket API (on* handlers, close codes, readyState).
    WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
    clock,
    network,
  })
  cleanups.push(() => transport.leave())
  return transport
}

/** `name` in `room`, joined. */
async function joinedAs(url: string, room: string, name: string, clock?: Clock) {
  const transport = transportFor(url, await tokenFor(room, name), clock)
  await transport.join()
  return transport
}

/** Resolves with the arguments of the next `event` that `match` accepts. */
function nextEvent<E extends keyof TransportEvents>(
  transport: ChatTransport,
  event: E,
  match: (...args: Parameters<TransportEvents[E]>) => boolean = () => true,
): Promise<Parameters<TransportEvents[E]>> {
  return new Promise((resolve) => {
    const off = transport.on(event, ((...args: Parameters<TransportEvents[E]>) => {
      if (!match(...args)) return
      off()
      resolve(args)
    }) as TransportEvents[E])
  })
}

/** Every connection state `transport` reports from now on. */
function connectionStates(transport: ChatTransport): ConnectionState[] {
  const states: ConnectionState[] = []
  transport.on('connection', (state) => states.push(state))
  return states
}

const localId = (transport: ChatTransport) =>
  transport.participants().find((p) => p.local)?.sessionId as string

/** The TransportError `send` throws. */
function sendError(transport: ChatTransport, data: unknown): TransportError {
  try {
    transport.send(data)
  } catch (error) {
    expect(error).toBeInstanceOf(TransportError)
    return error as TransportError
  }
  throw new Error('send did not throw')
}

describe('createRelayTransport', () => {
  it('joins: connecting, then connected, with itself in participants as local', async () => {
    const { url } = await startRelay()
    const ana = transportFor(url, await tokenFor(uniqueRoom(), 'Ana'))
    const states = connectionStates(ana)
    expect(ana.participants()).toEqual([])

    await ana.join()

    expect(states).toEqual(['connecting', 'connected'])
    expect(ana.participants()).toEqual([
      {
        sessionId: expect.any(String),
        userId: expect.any(String),
        userName: 'Ana',
        local: true,
        owner: false,
      },
    ])
    await ana.join() // already joined: nothing happens
    expect(states).toEqual(['connecting', 'connected'])
  })

  it("delivers to the others with the sender's session id, never back to the sender", async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const ana = await joinedAs(url, room, 'Ana')
    const bea = await joinedAs(url, room, 'Bea')
    const toAna = vi.fn()
    ana.on('message', toAna)

    const atBea = nextEvent(bea, 'message')
    ana.send({ v: 1, type: 'typing', typing: true })
    expect(await atBea).toEqual([{ v: 1, type: 'typing', typing: true }, localId(ana)])

    // Sent after Ana's message was delivered: an echo of hers would have arrived first.
    const atAna = nextEvent(ana, 'message')
    bea.send('hi Ana')
    expect(await atAna).toEqual(['hi Ana', localId(bea)])
    expect(toAna).toHaveBeenCalledTimes(1)
  })

  it('reports who joins and leaves, with the name from their token', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const ana = await joinedAs(url, room, 'Ana')

    const joinedEvent = nextEvent(ana, 'participant-joined')
    const bea = await joinedAs(url, room, 'Bea')
    const [joined] = await joinedEvent
    expect(joined).toEqual({
      sessionId: localId(bea),
      userId: expect.any(String),
      userName: 'Bea',
      local: false,
      owner: false,
    })
    expect(ana.participants()).toEqual([
      expect.objectContaining({ userName: 'Ana', local: true }),
      joined,
    ])
    expect(bea.participants().map((p) => [p.userName, p.local])).toEqual([
      ['Ana', false],
      ['Bea', true],
    ])

    const leftEvent = nextEvent(ana, 'participant-left')
    await bea.leave()
    expect(await leftEvent).toEqual([joined])
    expect(ana.participants().map((p) => p.userName)).toEqual(['Ana'])
  })

  it('throws not_joined before join and after leave, as Daily does', async () => {
    const { url } = await startRelay()
    const ana = transportFor(url, await tokenFor(uniqueRoom(), 'Ana'))

    expect(sendError(ana, 'early').code).toBe('not_joined')
    await ana.join()
    await ana.leave()
    expect(sendError(ana, 'late').code).toBe('not_joined')
  })

  it('sends 4,096 characters of JSON; throws too_large at 4,097 before sending', async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const ana = await joinedAs(url, room, 'Ana')
    const bea = await joinedAs(url, room, 'Bea')
    const fits = { text: 'é'.repeat(4096 - '{"text":""}'.length) }
    const tooLarge = { text: `${fits.text}é` }
    expect(JSON.stringify(fits)).toHaveLength(4096)

    const error = sendError(ana, tooLarge)
    expect(error.code).toBe('too_large')
    expect(error.message).toBe('Message data too large. Max size is 4096')
    const atBea = nextEvent(bea, 'message')
    ana.send(fits)
    // The refused message never left: the first thing Bea gets is the one that fits.
    expect(await atBea).toEqual([fits, localId(ana)])
  })

  it("rejects join with the relay's reason for a refused token, stays closed", async () => {
    const { url } = await startRelay()
    const clock = new ManualClock()
    const token = await tokenFor(uniqueRoom(), 'Ana')
    clockSkewMs = 2 * 3600_000
    const ana = transportFor(url, token, clock)
    const states = connectionStates(ana)

    await expect(ana.join()).rejects.toThrow(
      'Your session has expired. Rejoin the room to continue.',
    )
    expect(states).toEqual(['connecting', 'closed'])
    expect(clock.pending()).toBe(0)
    expect(ana.participants()).toEqual([])
  })

  it('rejects join with a readable error when the relay cannot be reached', async () => {
    const stopped = await startRelay()
    await stopped.close()
    const ana = transportFor(stopped.url, await tokenFor(uniqueRoom(), 'Ana'))
    const states = connectionStates(ana)

    await expect(ana.join()).rejects.toThrow(
      `Could not connect to the chat relay at ${stopped.url} (WebSocket closed with code 1006).`,
    )
    expect(states).toEqual(['connecting', 'closed'])
  })

  it('reconnects after a drop: interrupted, connected, participants reconciled', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const clock = new ManualClock()
    const ana = await joinedAs(relay.url, room, 'Ana', clock)
    const anaSocket = relay.sockets.at(-1) as Duplex
    const bea = await joinedAs(relay.url, room, 'Bea')
    const cyIn = nextEvent(ana, 'participant-joined', (p) => p.userName === 'Cy')
    const cy = await joinedAs(relay.url, room, 'Cy')
    await cyIn
    const firstAnaId = localId(ana)
    const states = connectionStates(ana)
    const joined = vi.fn()
    const left = vi.fn()
    ana.on('participant-joined', joined)
    ana.on('participant-left', left)

    const interrupted = nextEvent(ana, 'connection', (state) => state === 'interrupted')
    const anaGone = nextEvent(bea, 'participant-left')
    anaSocket.destroy()
    await interrupted
    expect(sendError(ana, 'while away').code).toBe('not_joined')

    // While Ana is away, Bea leaves and Dee comes.
    const beaId = localId(bea)
    const beaOut = nextEvent(cy, 'participant-left', (p) => p.userName === 'Bea')
    await bea.leave()
    await beaOut
    const dee = await joinedAs(relay.url, room, 'Dee')
    const anaBack = nextEvent(cy, 'participant-joined', (p) => p.userName === 'Ana')
    const timer = await clock.nextTimer()
    expect(timer.ms).toBe(500)
    const connected = nextEvent(ana, 'connection', (state) => state === 'connected')
    timer.fire()
    await connected

    expect(states).toEqual(['interrupted', 'connected'])
    expect(localId(ana)).not.toBe(firstAnaId)
    expect(ana.participants().map((p) => [p.userName, p.local])).toEqual([
      ['Cy', false],
      ['Dee', false],
      ['Ana', true],
    ])
    expect(left.mock.calls).toEqual([[expect.objectContaining({ sessionId: beaId })]])
    expect(joined.mock.calls).toEqual([[expect.objectContaining({ sessionId: localId(dee) })]])
    // The others saw the old session go and the new one come.
    expect((await anaGone)[0].sessionId).toBe(firstAnaId)
    expect((await anaBack)[0]).toMatchObject({ sessionId: localId(ana), userName: 'Ana' })

    const atDee = nextEvent(dee, 'message')
    ana.send('back')
    expect(await atDee).toEqual(['back', localId(ana)])
    const atAna = nextEvent(ana, 'message')
    cy.send('welcome back')
    expect(await atAna).toEqual(['welcome back', localId(cy)])
  })

  it('backs off from 500 ms doubling to 10 s while the relay is down, then rejoins', async () => {
    const first = await startRelay()
    const room = uniqueRoom()
    const clock = new ManualClock()
    const ana = await joinedAs(first.url, room, 'Ana', clock)
    const states = connectionStates(ana)

    const interrupted = nextEvent(ana, 'connection', (state) => state === 'interrupted')
    await first.close()
    await interrupted
    for (const expected of [500, 1000, 2000, 4000, 8000, 10_000, 10_000]) {
      const timer = await clock.nextTimer()
      expect(timer.ms).toBe(expected)
      timer.fire() // nobody listens: the attempt fails and sets the next timer
    }

    const second = await startRelay(first.port)
    const timer = await clock.nextTimer()
    expect(timer.ms).toBe(10_000)
    const connected = nextEvent(ana, 'connection', (state) => state === 'connected')
    timer.fire()
    await connected
    expect(states).toEqual(['interrupted', 'connected'])

    // Back to the first delay after a success.
    const again = nextEvent(ana, 'connection', (state) => state === 'interrupted')
    second.sockets.at(-1)?.destroy()
    await again
    expect((await clock.nextTimer()).ms).toBe(500)
  })

  it('reconnects at once when the browser says the network is back, not after the backoff', async () => {
    const first = await startRelay()
    const room = uniqueRoom()
    const clock = new ManualClock()
    const network = new EventTarget()
    const ana = transportFor(first.url, await tokenFor(room, 'Ana'), clock, network)
    await ana.join()

    const interrupted = nextEvent(ana, 'connection', (state) => state === 'interrupted')
    await first.close()
    await interrupted
    for (const expected of [500, 1000, 2000, 4000]) {
      const timer = await clock.nextTimer()
      expect(timer.ms).toBe(expected)
      timer.fire()
    }
    // Waiting 8 s for the next attempt when the network comes back.
    expect((await clock.nextTimer()).ms).toBe(8000)
    await startRelay(first.port)
    const connected = nextEvent(ana, 'connection', (state) => state === 'connected')
    network.dispatchEvent(new Event('online'))
    await connected
    // The backoff's timer went with it: nothing is left to fire.
    expect(clock.pending()).toBe(0)
  })

  it('closes for good when the relay refuses the token on reconnect', async () => {
    const relay = await startRelay()
    const clock = new ManualClock()
    const ana = await joinedAs(relay.url, uniqueRoom(), 'Ana', clock)
    const states = connectionStates(ana)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})

    clockSkewMs = 2 * 3600_000
    relay.sockets.at(-1)?.destroy()
    ;(await clock.nextTimer()).fire()
    await nextEvent(ana, 'connection', (state) => state === 'expired')

    expect(states).toEqual(['interrupted', 'expired'])
    expect(clock.pending()).toBe(0)
    expect(ana.participants()).toEqual([])
    expect(sendError(ana, 'hello?').code).toBe('not_joined')
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Your session has expired'))
    warn.mockRestore()
  })

  it('reports expired, and stops, when the relay ends an open connection at token expiry', async () => {
    // The relay's clock moves; the tokens (minted with a 1 h lifetime) are checked at real time.
    const relayClock = new FakeClock(Date.now())
    const relay = await startRelay(0, { clock: relayClock })
    const room = uniqueRoom()
    const clock = new ManualClock()
    const ana = await joinedAs(relay.url, room, 'Ana', clock)
    const states = connectionStates(ana)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})

    relayClock.advance((3600 + CLOCK_TOLERANCE_SECONDS) * 1000)
    await nextEvent(ana, 'connection', (state) => state === 'expired')

    // No reconnect loop: no timer, nobody known, nothing can be sent.
    expect(states).toEqual(['expired'])
    expect(clock.pending()).toBe(0)
    expect(ana.participants()).toEqual([])
    expect(sendError(ana, 'anyone?').code).toBe('not_joined')
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('token_expired'))
    warn.mockRestore()
  })

  it("rejects join with the relay's message when this user holds 5 connections", async () => {
    const { url } = await startRelay()
    const room = uniqueRoom()
    const token = await tokenFor(room, 'Ana')
    for (let i = 0; i < 5; i++) await transportFor(url, token).join()
    const clock = new ManualClock()
    const sixth = transportFor(url, token, clock)
    const states = connectionStates(sixth)

    await expect(sixth.join()).rejects.toThrow(
      'You already have 5 connections to this room: close another tab or window, then try again.',
    )
    expect(states).toEqual(['connecting', 'closed'])
    expect(clock.pending()).toBe(0)
  })

  it('keeps reconnecting with backoff while its place is taken, gets back in once freed', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const bea = await joinedAs(relay.url, room, 'Bea')
    const token = await tokenFor(room, 'Ana')
    const clock = new ManualClock()
    const ana = transportFor(relay.url, token, clock)
    await ana.join()
    const anaSocket = relay.sockets.at(-1) as Duplex
    for (let i = 0; i < 4; i++) await transportFor(relay.url, token).join()
    const states = connectionStates(ana)

    // Ana's connection drops; before she is back, another tab of hers takes the fifth place.
    const gone = nextEvent(bea, 'participant-left')
    anaSocket.destroy()
    await gone
    const intruder = transportFor(relay.url, token)
    await intruder.join()
    const first = await clock.nextTimer()
    expect(first.ms).toBe(500)
    first.fire() // refused: too_many_connections
    const second = await clock.nextTimer()
    expect(second.ms).toBe(1000)

    const freed = nextEvent(bea, 'participant-left')
    await intruder.leave()
    await freed
    const connected = nextEvent(ana, 'connection', (state) => state === 'connected')
    second.fire()
    await connected
    expect(states).toEqual(['interrupted', 'connected'])
  })

  it('leave() closes for good: closed, no reconnect, no more events', async () => {
    const relay = await startRelay()
    const room = uniqueRoom()
    const clock = new ManualClock()
    const ana = await joinedAs(relay.url, room, 'Ana')
    const bea = await joinedAs(relay.url, room, 'Bea', clock)
    const states = connectionStates(bea)
    const events = vi.fn()
    bea.on('message', events)
    bea.on('participant-joined', events)
    bea.on('participant-left', events)

    const beaGone = nextEvent(ana, 'participant-left')
    await bea.leave()
    expect(states).toEqual(['closed'])
    expect(bea.participants()).toEqual([])
    expect((await beaGone)[0].userName).toBe('Bea')

    // The relay let Bea's session go: the next one in sees only Ana.
    const cy = await joinedAs(relay.url, room, 'Cy')
    expect(cy.participants().map((p) => p.userName)).toEqual(['Ana', 'Cy'])
    expect(clock.pending()).toBe(0)
    expect(events).not.toHaveBeenCalled()
    expect(states).toEqual(['closed'])
  })

  it('leave() during join rejects the join', async () => {
    const { url } = await startRelay()
    const ana = transportFor(url, await tokenFor(uniqueRoom(), 'Ana'))
    const states = connectionStates(ana)

    const joining = ana.join()
    await ana.leave()

    await expect(joining).rejects.toThrow('Left the room before the chat relay let you in.')
    expect(states).toEqual(['connecting', 'closed'])
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { dailyParticipant, FakeDailyCall } from '../../../test-support/fake-daily-call.ts'
import { type ConnectionState, type Participant, TransportError } from '../engine/live-channel.ts'
import { createDailyTransport } from './daily-transport.ts'

const URL = 'https://acme.daily.co/standup'
const TOKEN = 'meeting-token'

function setup() {
  const call = new FakeDailyCall()
  const transport = createDailyTransport({ callObject: call, url: URL, token: TOKEN })
  const connection: ConnectionState[] = []
  transport.on('connection', (state) => connection.push(state))
  return { call, transport, connection }
}

async function joined() {
  const context = setup()
  await context.transport.join()
  return context
}

/** A string whose JSON (with its two quotes) is exactly `length` characters. */
const jsonOfLength = (length: number) => 'x'.repeat(length - 2)

/** The error `action` throws; fails the test when it does not throw. */
function thrown(action: () => void): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function expectTransportError(action: () => void, code: TransportError['code']) {
  const error = thrown(action)
  expect(error).toBeInstanceOf(TransportError)
  expect((error as TransportError).code).toBe(code)
  return error as TransportError
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('join', () => {
  it('joins the room with its url and token and resolves once joined', async () => {
    const { call, transport } = setup()

    await transport.join()

    expect(call.joinCalls).toEqual([{ url: URL, token: TOKEN }])
    expect(call.meetingState()).toBe('joined-meeting')
    expect(() => transport.send({ hello: true })).not.toThrow()
  })

  it('listens before joining, so a fatal error while joining closes the channel', async () => {
    const { call, transport, connection } = setup()
    const refused = new Error('exp-token')
    call.join = async () => {
      call.emit('error', { action: 'error', errorMsg: 'Meeting token has expired' })
      throw refused
    }

    await expect(transport.join()).rejects.toBe(refused)
    expect(connection).toEqual(['closed'])
  })
})

describe('send', () => {
  it('broadcasts to everyone with sendAppMessage(data, "*")', async () => {
    const { call, transport } = await joined()
    const envelope = { v: 1, type: 'typing', typing: true }

    transport.send(envelope)

    expect(call.sendAppMessageCalls).toEqual([{ data: envelope, to: '*' }])
  })

  it('sends a private message only to the named sessions: sendAppMessage(data, sessionIds)', async () => {
    const { call, transport } = await joined()
    const envelope = { v: 1, type: 'chat', to: 'u-ben' }

    transport.send(envelope, ['s-ben', 's-ben-2'])

    expect(call.sendAppMessageCalls).toEqual([{ data: envelope, to: ['s-ben', 's-ben-2'] }])
  })

  it('sends JSON of exactly 4,096 characters', async () => {
    const { call, transport } = await joined()
    const data = jsonOfLength(4096)
    expect(JSON.stringify(data)).toHaveLength(4096)

    transport.send(data)

    expect(call.sendAppMessageCalls).toEqual([{ data, to: '*' }])
  })

  it('refuses 4,097 characters with too_large before reaching sendAppMessage', async () => {
    const { call, transport } = await joined()

    const error = expectTransportError(() => transport.send(jsonOfLength(4097)), 'too_large')

    expect(error.message).toContain('4097')
    expect(call.sendAppMessageCalls).toEqual([])
  })

  it('counts UTF-16 code units of the JSON, as Daily does, not bytes', async () => {
    const { call, transport } = await joined()
    // 4,094 euro signs: 4,096 characters of JSON but 12,284 bytes of UTF-8.
    transport.send('€'.repeat(4094))
    // An emoji is two code units: 2,047 of them and the quotes make 4,096.
    transport.send('😀'.repeat(2047))
    expectTransportError(() => transport.send(`${'😀'.repeat(2047)}x`), 'too_large')

    expect(call.sendAppMessageCalls).toHaveLength(2)
  })

  it('refuses with not_joined before join and after leave, without reaching Daily', async () => {
    const { call, transport } = setup()

    expectTransportError(() => transport.send({ hello: true }), 'not_joined')
    await transport.join()
    await transport.leave()
    expectTransportError(() => transport.send({ hello: true }), 'not_joined')

    expect(call.sendAppMessageCalls).toEqual([])
  })

  it('checks the size first: too large is too_large even before join', () => {
    const { transport } = setup()

    expectTransportError(() => transport.send(jsonOfLength(5000)), 'too_large')
  })

  it("maps Daily's own too-large throw (a limit the servers lowered) to too_large", async () => {
    const { call, transport } = await joined()
    call.maxAppMessageSize = 1000

    const error = expectTransportError(() => transport.send(jsonOfLength(2000)), 'too_large')

    expect(error.message).toBe('Message data too large. Max size is 1000')
    expect(error.cause).toBeInstanceOf(Error)
    expect(error.cause).not.toBeInstanceOf(TransportError)
    expect(call.sendAppMessageCalls).toHaveLength(1)
  })

  it("maps Daily's not-joined throw to not_joined", async () => {
    const { call, transport } = await joined()
    call.sendAppMessageError = new Error('sendAppMessage() only supported after join.')

    const error = expectTransportError(() => transport.send({ hello: true }), 'not_joined')

    expect(error.message).toBe('sendAppMessage() only supported after join.')
  })

  it('never lets another Daily error escape raw: not_joined, the original as cause', async () => {
    const { call, transport } = await joined()
    const raw = new Error('Use after destroy')
    call.sendAppMessageError = raw

    const error = expectTransportError(() => transport.send({ hello: true }), 'not_joined')

    expect(error.cause).toBe(raw)
  })

  it('refuses data that has no JSON', async () => {
    const { call, transport } = await joined()

    expect(() => transport.send(undefined)).toThrow(TypeError)
    expect(call.sendAppMessageCalls).toEqual([])
  })
})

describe('events', () => {
  it("passes app messages on with the sender's session id, 'API' included", async () => {
    const { call, transport } = await joined()
    const received: Array<[unknown, string]> = []
    transport.on('message', (data, from) => received.push([data, from]))

    call.emit('app-message', {
      data: { v: 1, type: 'typing', typing: true },
      fromId: 'session-ben',
    })
    call.emit('app-message', { data: { note: 'from the server' }, fromId: 'API' })

    expect(received).toEqual([
      [{ v: 1, type: 'typing', typing: true }, 'session-ben'],
      [{ note: 'from the server' }, 'API'],
    ])
  })

  it('maps participant-joined and participant-left to Participants', async () => {
    const { call, transport } = await joined()
    const seen: Array<[string, Participant]> = []
    transport.on('participant-joined', (participant) => seen.push(['joined', participant]))
    transport.on('participant-left', (participant) => seen.push(['left', participant]))
    const ben = dailyParticipant({ session_id: 's-ben', user_id: 'u-ben', user_name: 'Ben' })

    call.emit('participant-joined', { participant: ben })
    call.emit('participant-left', { participant: ben })

    const mapped = {
      sessionId: 's-ben',
      userId: 'u-ben',
      userName: 'Ben',
      local: false,
      owner: false,
    }
    expect(seen).toEqual([
      ['joined', mapped],
      ['left', mapped],
    ])
  })

  it('reports interrupted then connected for the signaling connection', async () => {
    const { call, connection } = await joined()

    call.emit('network-connection', { type: 'signaling', event: 'interrupted' })
    call.emit('network-connection', { type: 'signaling', event: 'connected' })

    expect(connection).toEqual(['interrupted', 'connected'])
  })

  it('ignores the media connections (sfu, peer-to-peer) and unknown signaling events', async () => {
    const { call, connection } = await joined()

    call.emit('network-connection', { type: 'sfu', event: 'interrupted' })
    call.emit('network-connection', { type: 'sfu', event: 'connected' })
    call.emit('network-connection', { type: 'peer-to-peer', event: 'interrupted' })
    call.emit('network-connection', { type: 'signaling', event: 'reconnecting' })

    expect(connection).toEqual([])
  })

  it('reports closed on left-meeting and on a fatal error', async () => {
    const { call, connection } = await joined()

    call.emit('left-meeting', { action: 'left-meeting' })
    call.emit('error', { action: 'error', errorMsg: 'ejected' })

    expect(connection).toEqual(['closed', 'closed'])
  })

  it('stops calling a listener once unsubscribed', async () => {
    const { call, transport } = await joined()
    const received: unknown[] = []
    const unsubscribe = transport.on('message', (data) => received.push(data))

    call.emit('app-message', { data: 1, fromId: 's-ben' })
    unsubscribe()
    call.emit('app-message', { data: 2, fromId: 's-ben' })

    expect(received).toEqual([1])
  })

  it('keeps calling the other listeners when one throws, and reports the error apart', async () => {
    const { call, transport } = await joined()
    const reported: Array<() => void> = []
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      reported.push(task)
    })
    const failure = new Error('listener bug')
    const received: unknown[] = []
    transport.on('message', () => {
      throw failure
    })
    transport.on('message', (data) => received.push(data))

    expect(() => call.emit('app-message', { data: 'hi', fromId: 's-ben' })).not.toThrow()

    expect(received).toEqual(['hi'])
    expect(reported).toHaveLength(1)
    expect(() => reported[0]?.()).toThrow(failure)
  })
})

describe('participants', () => {
  it("maps daily-js's participants object, this session included as local", async () => {
    const { call, transport } = await joined()
    call.participantsById['s-ben'] = dailyParticipant({
      session_id: 's-ben',
      user_id: 'u-ben',
      user_name: 'Ben',
      owner: true,
    })

    expect(transport.participants()).toEqual([
      {
        sessionId: 'session-local',
        userId: 'user-local',
        userName: 'Me',
        local: true,
        owner: false,
      },
      { sessionId: 's-ben', userId: 'u-ben', userName: 'Ben', local: false, owner: true },
    ])
  })
})

describe('leave', () => {
  it('removes every Daily handler it added, then leaves the call', async () => {
    const { call, transport } = await joined()
    expect(call.onCalls.map(({ event }) => event).sort()).toEqual([
      'app-message',
      'error',
      'left-meeting',
      'network-connection',
      'participant-joined',
      'participant-left',
      'recording-started',
      'recording-stopped',
    ])

    await transport.leave()

    expect(call.offCalls).toHaveLength(call.onCalls.length)
    for (const added of call.onCalls) expect(call.offCalls).toContainEqual(added)
    expect(call.listenerCount()).toBe(0)
    expect(call.leaveCalls).toBe(1)
  })

  it('stops all events, including the left-meeting that leaving itself causes', async () => {
    const { call, transport, connection } = await joined()
    const received: unknown[] = []
    transport.on('message', (data) => received.push(data))

    await transport.leave()
    call.emit('app-message', { data: 'late', fromId: 's-ben' })

    expect(connection).toEqual([])
    expect(received).toEqual([])
  })
})

describe("on the host app's call (no url, no token)", () => {
  function hosted() {
    const call = new FakeDailyCall()
    const transport = createDailyTransport({ callObject: call })
    const connection: ConnectionState[] = []
    transport.on('connection', (state) => connection.push(state))
    return { call, transport, connection }
  }

  it('resolves join at once on a call the host has joined, without joining it again', async () => {
    const { call, transport } = hosted()
    call.joinedByHost()

    await transport.join()

    expect(call.joinCalls).toEqual([])
    transport.send({ hello: true })
    expect(call.sendAppMessageCalls).toEqual([{ data: { hello: true }, to: '*' }])
  })

  it('waits for the joined-meeting event while the host is still joining', async () => {
    const { call, transport } = hosted()
    call.state = 'joining-meeting'
    let joined = false
    const joining = transport.join().then(() => {
      joined = true
    })
    await Promise.resolve()
    expect(joined).toBe(false)
    expectTransportError(() => transport.send({ early: true }), 'not_joined')

    call.joinedByHost()
    await joining

    expect(joined).toBe(true)
    expect(call.joinCalls).toEqual([])
    expect(call.listenerCount('joined-meeting')).toBe(0)
  })

  it('listens from join on: messages and connection changes reach chat', async () => {
    const { call, transport, connection } = hosted()
    call.joinedByHost()
    await transport.join()
    const received: unknown[] = []
    transport.on('message', (data) => received.push(data))

    call.emit('app-message', { data: 'hi', fromId: 's-ben' })
    call.emit('network-connection', { type: 'signaling', event: 'interrupted' })

    expect(received).toEqual(['hi'])
    expect(connection).toEqual(['interrupted'])
  })

  it("leave only stops listening: the host's call is neither left nor destroyed", async () => {
    const { call, transport, connection } = hosted()
    call.joinedByHost()
    await transport.join()
    const received: unknown[] = []
    transport.on('message', (data) => received.push(data))

    await transport.leave()
    call.emit('app-message', { data: 'after', fromId: 's-ben' })

    expect(call.leaveCalls).toBe(0)
    expect(call.meetingState()).toBe('joined-meeting')
    expect(call.listenerCount()).toBe(0)
    expect(received).toEqual([])
    expect(connection).toEqual([])
  })

  it('ends a waiting join when chat leaves first, or when the call ends before it is joined', async () => {
    const first = hosted()
    first.call.state = 'joining-meeting'
    const leftFirst = first.transport.join()
    await first.transport.leave()
    await expect(leftFirst).rejects.toThrow('Left the chat before the call was joined.')
    expect(first.call.listenerCount()).toBe(0)

    const second = hosted()
    second.call.state = 'joining-meeting'
    const ended = second.transport.join()
    second.call.emit('error', { action: 'error', errorMsg: 'Meeting token has expired' })
    await expect(ended).rejects.toThrow('The call ended before it was joined.')
    expect(second.connection).toEqual(['closed'])
  })
})

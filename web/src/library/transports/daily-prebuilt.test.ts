// Daily Prebuilt, both ways (issue 21, item 5), over the Daily transport and its call double: a
// call where Pia uses Prebuilt's own UI and Ana, Ben and Cy use Backchannel (prebuiltChat: true).
// The payloads are Prebuilt's as the facts file shows them.
import {
  MAX_LIVE_MESSAGE_CHARS,
  PREBUILT_SENDER_PREFIX,
  prebuiltDateMs,
  prebuiltMessageId,
  prebuiltMessageRequestSchema,
} from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../../../test-support/fake-clock.ts'
import { dailyParticipant, FakeDailyCall } from '../../../test-support/fake-daily-call.ts'
import { FakeRoom, ROOM, stored, until } from '../../../test-support/fake-room.ts'
import { ChatApiError, type RoomApi } from '../engine/chat-api.ts'
import { ChatClient } from '../engine/chat-client.ts'
import { createDailyTransport } from './daily-transport.ts'

const PIA_SESSION = 'session-pia'
const pia = dailyParticipant({
  session_id: PIA_SESSION,
  user_id: 'pia-on-prebuilt',
  user_name: 'Pia',
})

/** Prebuilt's chat message from Pia, as the facts file shows it. */
const fromPrebuilt = (message: string, date = '1733580000000') => ({
  event: 'chat-msg',
  message,
  name: 'Pia',
  room: 'main-room',
  date,
})

/**
 * The chat function's room, with the Prebuilt route as the function has it: the id must be the one
 * derived from the fields, and one id is one message however many clients write it.
 */
function roomWithPrebuilt() {
  const room = new FakeRoom()
  const prebuiltWrites: unknown[] = []
  const route = room.route
  room.route = (async (path, schema, init) => {
    if (init.method !== 'POST' || path !== '/messages/prebuilt') return route(path, schema, init)
    prebuiltWrites.push(init.json)
    const request = prebuiltMessageRequestSchema.parse(init.json)
    const dateMs = prebuiltDateMs(request.date) as number
    const { sessionId, name, body } = request
    if (request.id !== prebuiltMessageId({ room: ROOM, sessionId, name, body, dateMs })) {
      throw new ChatApiError(400, 'invalid_prebuilt_id', 'Not the derived id.')
    }
    let message = room.messages.find((candidate) => candidate.id === request.id)
    if (!message) {
      message = stored(body, {
        id: request.id,
        sender: { id: `${PREBUILT_SENDER_PREFIX}${sessionId}`, name },
      })
      room.messages.push(message)
    }
    return schema.parse(message)
  }) as RoomApi['route']
  return { room, prebuiltWrites }
}

/** A Backchannel client for `name` on its own Daily call (the host's, joined), Pia in it too. */
async function backchannelClient(name: string, room: FakeRoom, prebuiltChat = true) {
  const call = new FakeDailyCall()
  const self = name.toLowerCase()
  call.participantsById = {
    local: dailyParticipant({
      session_id: `session-${self}`,
      user_id: `user-${self}`,
      user_name: name,
      local: true,
    }),
    [PIA_SESSION]: pia,
  }
  call.joinedByHost()
  const clock = new FakeClock()
  const log = vi.fn()
  const storage = new Map<string, string>()
  const client = new ChatClient({
    room: ROOM,
    user: { id: `user-${self}`, name },
    api: room as unknown as RoomApi,
    transport: createDailyTransport({ callObject: call }),
    clock,
    log,
    storage: {
      getItem: (key) => storage.get(key) ?? null,
      setItem: (key, value) => void storage.set(key, value),
    },
    prebuiltChat,
  })
  await client.start()
  return { call, client, clock, log, name }
}

/** The three Backchannel clients of the call, over one chat function. */
async function threeClients() {
  const { room, prebuiltWrites } = roomWithPrebuilt()
  const clients = await Promise.all(
    ['Ana', 'Ben', 'Cy'].map((name) => backchannelClient(name, room)),
  )
  return { room, prebuiltWrites, clients }
}

type Client = Awaited<ReturnType<typeof backchannelClient>>

/** The messages `client` shows with this text. */
const shown = (client: Client, body: string) =>
  client.client.getSnapshot().messages.filter((message) => message.body === body)

/** Pia says `data` in Prebuilt: every Backchannel client's call gets it. */
const piaSays = (clients: readonly Client[], data: unknown) => {
  for (const { call } of clients) call.emit('app-message', { data, fromId: PIA_SESSION })
}

/** The chat-msg app messages `client` sent. */
const prebuiltCopies = (client: Client) =>
  client.call.sendAppMessageCalls.filter(
    ({ data }) => (data as { event?: string }).event === 'chat-msg',
  )

const savedOnEveryClient = (clients: readonly Client[], body: string) =>
  Promise.all(
    clients.map(({ client }) =>
      until(client, ({ messages }) =>
        messages.some((message) => message.body === body && message.status === 'saved'),
      ),
    ),
  )

describe('A Prebuilt chat message seen by three Backchannel clients', () => {
  it('is stored once, and each client shows it once, saved, under Pia', async () => {
    const { room, prebuiltWrites, clients } = await threeClients()

    piaSays(clients, fromPrebuilt('Can everyone hear me?'))
    await savedOnEveryClient(clients, 'Can everyone hear me?')

    expect(prebuiltWrites).toHaveLength(3)
    expect(room.messages.filter((message) => message.body === 'Can everyone hear me?')).toEqual([
      expect.objectContaining({ sender: { id: `prebuilt:${PIA_SESSION}`, name: 'Pia' } }),
    ])
    for (const client of clients) {
      expect(shown(client, 'Can everyone hear me?')).toEqual([
        expect.objectContaining({
          sender: expect.objectContaining({ name: 'Pia' }),
          status: 'saved',
        }),
      ])
    }
  })

  it.each([
    ['ms since 1970, as Daily demo sends it', '1733580000000'],
    ['an ISO date', '2024-12-07T14:00:00.000Z'],
  ])('is stored with its date as %s', async (_form, date) => {
    const { room, clients } = await threeClients()

    piaSays(clients, fromPrebuilt('Dated', date))
    await savedOnEveryClient(clients, 'Dated')

    expect(room.messages.filter((message) => message.body === 'Dated')).toHaveLength(1)
  })

  it('is two messages when Pia says the same thing twice, at different times', async () => {
    const { room, clients } = await threeClients()
    const [ana] = clients as [Client, Client, Client]

    piaSays(clients, fromPrebuilt('+1', '1733580000000'))
    piaSays(clients, fromPrebuilt('+1', '1733580005000'))
    await until(
      ana.client,
      ({ messages }) =>
        messages.filter((message) => message.body === '+1' && message.status === 'saved').length ===
        2,
    )

    expect(room.messages.filter((message) => message.body === '+1')).toHaveLength(2)
  })

  it.each([
    ['no text', { event: 'chat-msg', name: 'Pia', room: 'main-room', date: '1733580000000' }],
    ['text that is not text', fromPrebuilt(42 as unknown as string)],
    ['a date that is no date', fromPrebuilt('Malformed', 'yesterday')],
    ["a breakout room's chat", { ...fromPrebuilt('Malformed'), room: 'breakout-1' }],
    ['another event of Prebuilt', { event: 'chat-msg-reaction', message: 'Malformed' }],
  ])('is ignored when malformed: %s', async (_case, data) => {
    const { room, prebuiltWrites, clients } = await threeClients()

    piaSays(clients, data)

    for (const client of clients) {
      expect(client.client.getSnapshot().messages).toEqual([])
      expect(client.log).toHaveBeenCalledWith(
        'dropped a live message that is not a valid envelope',
        expect.objectContaining({ from: PIA_SESSION }),
      )
    }
    expect(prebuiltWrites).toEqual([])
    expect(room.messages).toEqual([])
  })

  it('shows, not saved, one without a date: no two clients could make one id of it', async () => {
    const { prebuiltWrites, clients } = await threeClients()

    const { date: _none, ...undated } = fromPrebuilt('Undated')
    piaSays(clients, undated)

    for (const client of clients) {
      expect(shown(client, 'Undated')).toEqual([expect.objectContaining({ status: 'not-saved' })])
    }
    expect(prebuiltWrites).toEqual([])
  })

  it('shows, not saved, on a client whose host did not ask for prebuiltChat', async () => {
    const { room, prebuiltWrites } = roomWithPrebuilt()
    const ana = await backchannelClient('Ana', room, false)

    piaSays([ana], fromPrebuilt('Not for keeps'))

    expect(shown(ana, 'Not for keeps')).toEqual([
      expect.objectContaining({
        sender: expect.objectContaining({ name: 'Pia' }),
        status: 'not-saved',
      }),
    ])
    expect(prebuiltWrites).toEqual([])
  })

  it('shows not saved where the write is refused, and saved once another client stores it', async () => {
    const { room, clients } = await threeClients()
    const [ana, ben] = clients as [Client, Client, Client]
    const route = room.route
    let refused = false
    room.route = ((path, schema, init) => {
      if (path === '/messages/prebuilt' && !refused) {
        refused = true
        return Promise.reject(new ChatApiError(429, 'rate_limited', 'Too quickly.'))
      }
      return route(path, schema, init)
    }) as RoomApi['route']

    piaSays([ana], fromPrebuilt('Later'))
    await until(ana.client, ({ messages }) =>
      messages.some((message) => message.body === 'Later' && message.status === 'not-saved'),
    )
    piaSays([ben], fromPrebuilt('Later'))
    await savedOnEveryClient([ben], 'Later')
    await ana.client.sync()

    expect(shown(ana, 'Later')).toEqual([expect.objectContaining({ status: 'saved' })])
  })
})

describe("A Backchannel message, copied to Prebuilt's chat", () => {
  it("goes out once as Prebuilt's chat-msg with the text, the sender's name and the main room", async () => {
    const { clients } = await threeClients()
    const [ana] = clients as [Client, Client, Client]

    const sent = ana.client.send('Agenda in the doc')
    expect(sent.ok).toBe(true)

    const copies = prebuiltCopies(ana)
    expect(copies).toEqual([
      {
        to: '*',
        data: {
          event: 'chat-msg',
          message: 'Agenda in the doc',
          name: 'Ana',
          room: 'main-room',
          date: String(ana.clock.now()),
          backchannelId: sent.ok ? sent.id : '',
        },
      },
    ])
    expect(JSON.stringify(copies[0]?.data).length).toBeLessThanOrEqual(MAX_LIVE_MESSAGE_CHARS)
  })

  it('shows once on the other Backchannel clients, which skip the copy', async () => {
    const { clients, prebuiltWrites } = await threeClients()
    const [ana, ben] = clients as [Client, Client, Client]
    ben.call.participantsById['session-ana'] = dailyParticipant({
      session_id: 'session-ana',
      user_id: 'user-ana',
      user_name: 'Ana',
    })

    ana.client.send('Only once')
    for (const { data } of ana.call.sendAppMessageCalls) {
      ben.call.emit('app-message', { data, fromId: 'session-ana' })
    }

    expect(shown(ben, 'Only once')).toHaveLength(1)
    expect(prebuiltWrites).toEqual([])
  })

  it('is sent once however often its write is tried again', async () => {
    const { room, clients } = await threeClients()
    const [ana] = clients as [Client, Client, Client]
    let refusals = 1
    room.refuse = () =>
      refusals-- > 0 ? new ChatApiError(409, 'id_conflict', 'Refused once.') : undefined

    const sent = ana.client.send('Through the retries')
    await until(ana.client, ({ messages }) =>
      messages.some(
        (message) => message.body === 'Through the retries' && message.status === 'failed',
      ),
    )
    ana.client.retry(sent.ok ? sent.id : '')
    await savedOnEveryClient([ana], 'Through the retries')

    expect(room.writes.filter((write) => write.body === 'Through the retries')).toHaveLength(2)
    expect(prebuiltCopies(ana)).toHaveLength(1)
  })

  it('stays within 4,096 characters for a 4,000-character message, cut with a pointer to Backchannel', async () => {
    const { clients } = await threeClients()
    const [ana] = clients as [Client, Client, Client]

    ana.client.send('ü'.repeat(3000) + '"'.repeat(1000))

    const copies = prebuiltCopies(ana)
    expect(copies).toHaveLength(1)
    const copy = copies[0]?.data as { message: string }
    expect(JSON.stringify(copy).length).toBeLessThanOrEqual(MAX_LIVE_MESSAGE_CHARS)
    expect(copy.message).toMatch(/… \(cut: the whole message is in Backchannel\)$/)
    expect(ana.log).not.toHaveBeenCalledWith(
      "could not copy a message to Daily Prebuilt's chat",
      expect.anything(),
    )
  })

  it('never copies a private message', async () => {
    const { clients } = await threeClients()
    const [ana] = clients as [Client, Client, Client]
    ana.call.participantsById['session-ben'] = dailyParticipant({
      session_id: 'session-ben',
      user_id: 'user-ben',
      user_name: 'Ben',
    })

    expect(ana.client.send('Just for you', [], [], [], { id: 'user-ben', name: 'Ben' }).ok).toBe(
      true,
    )

    expect(prebuiltCopies(ana)).toEqual([])
  })
})

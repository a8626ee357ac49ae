// The room's settings hold for every kind of live frame that shows as a message (issue 19, item
// 3): a chat message, a reply, a mention, a private message, a large message announced by
// reference, and Daily Prebuilt's own chat. A receiver drops what the settings refuse, as the
// function refuses to store it, so a modified client gains nothing by sending anyway.
import {
  DEFAULT_ROOM_SETTINGS,
  newMessageId,
  type RoomSettings,
  type StoredMessage,
} from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import { ben, FakeRoom, me, setup, stored, until } from '../../../test-support/fake-room.ts'
import { fakeParticipant } from '../../../test-support/fake-transport.ts'
import type { Participant } from './live-channel.ts'
import type { LiveFrom, LiveHandler } from './live-handler.ts'
import { isPersonId, LiveInbox } from './live-inbox.ts'

const host: Participant = { ...fakeParticipant('host', 'Host'), owner: true }
const now = () => '2030-01-01T00:00:00.000Z'

/** A frame of one kind from `sender`, saying `body`; `earlier` is a message of the room. */
type FrameOf = (
  sender: Participant,
  body: string,
  room: FakeRoom,
  earlier: StoredMessage,
) => unknown

const chat = (sender: Participant, body: string, fields: object = {}) => ({
  v: 1,
  type: 'chat',
  id: newMessageId(sender.userId),
  body,
  createdAt: now(),
  ...fields,
})

/** A large message: written first, as a sender's client does, then announced by id. */
const chatRef: FrameOf = (sender, body, room) => {
  const message = stored(body, {
    id: newMessageId(sender.userId),
    sender: { id: sender.userId, name: sender.userName },
  })
  room.messages.push(message)
  return { v: 1, type: 'chat-ref', id: message.id }
}

/** Daily Prebuilt's own chat, as Prebuilt sends it. */
const prebuilt: FrameOf = (sender, body) => ({
  event: 'chat-msg',
  message: body,
  name: sender.userName,
  room: 'main-room',
  date: now(),
})

const plainChat: FrameOf = (sender, body) => chat(sender, body)

/** Every kind of live frame that shows as a message in the room. */
const roomKinds: [string, FrameOf][] = [
  ['a chat message', plainChat],
  ['a reply', (sender, body, _room, earlier) => chat(sender, body, { replyTo: earlier.id })],
  [
    'a message mentioning me',
    (sender, body) => chat(sender, `@Me ${body}`, { mentions: [{ userId: me.id, name: 'Me' }] }),
  ],
  ['a large message announced by reference', chatRef],
  ["Daily Prebuilt's chat", prebuilt],
]
const privateKind: [string, FrameOf] = [
  'a private message to me',
  (sender, body) => chat(sender, body, { to: me.id, toName: 'Me' }),
]
const everyKind = [...roomKinds, privateKind]

/** A client for Me in a room under `settings`, with Ben (a member) and Host (an owner) in the call. */
async function roomUnder(settings: Partial<RoomSettings>) {
  const room = new FakeRoom()
  const earlier = stored('Shall we start?')
  room.messages.push(earlier)
  room.settings = { ...DEFAULT_ROOM_SETTINGS, ...settings }
  let catchUps = 0
  const loadChanges = room.loadChanges
  room.loadChanges = (query) => {
    catchUps += 1
    return loadChanges(query)
  }
  const { client, transport, clock } = setup(room)
  transport.arrive(host)
  await client.start()
  let sent = 0
  /** Delivers a frame of this kind from `sender`; resolves with whether the message shows. */
  const deliver = async (frameOf: FrameOf, sender: Participant) => {
    const body = `message ${++sent} from ${sender.userName}`
    const shown = () => client.getSnapshot().messages.some((message) => message.body.endsWith(body))
    const before = catchUps
    transport.deliver(frameOf(sender, body, room, earlier), sender.sessionId)
    // A message announced by reference shows once the catch-up it started is read; no
    // catch-up started, nothing can show.
    if (catchUps > before) await until(client, shown)
    return shown()
  }
  return { client, transport, clock, deliver }
}

describe.each(everyKind)('Live frames under the room settings: %s', (_kind, frameOf) => {
  it('shows it from a member and from an owner while the settings allow it', async () => {
    const { deliver } = await roomUnder({})
    expect(await deliver(frameOf, ben)).toBe(true)
    expect(await deliver(frameOf, host)).toBe(true)
  })

  it('shows it from nobody while chat is off, owners included (the function refuses them too)', async () => {
    const { deliver } = await roomUnder({ send: 'nobody' })
    for (let i = 0; i < 3; i++) expect(await deliver(frameOf, ben)).toBe(false)
    expect(await deliver(frameOf, host)).toBe(false)
  })

  it("drops a member's while only owners may send, and shows an owner's", async () => {
    const { deliver } = await roomUnder({ send: 'owners' })
    for (let i = 0; i < 3; i++) expect(await deliver(frameOf, ben)).toBe(false)
    expect(await deliver(frameOf, host)).toBe(true)
  })

  it("under slow mode, shows a member's first and drops the ones that follow too soon; an owner's all show", async () => {
    const { deliver } = await roomUnder({ slowModeSeconds: 30 })
    expect(await deliver(frameOf, ben)).toBe(true)
    for (let i = 0; i < 4; i++) expect(await deliver(frameOf, ben)).toBe(false)
    for (let i = 0; i < 3; i++) expect(await deliver(frameOf, host)).toBe(true)
  })
})

describe('Live frames while private messages are off', () => {
  it('drops a private message from a member and from an owner (the function refuses both)', async () => {
    const { deliver } = await roomUnder({ privateMessages: false })
    expect(await deliver(privateKind[1], ben)).toBe(false)
    expect(await deliver(privateKind[1], host)).toBe(false)
  })

  it.each(roomKinds)('still shows %s, which is not private', async (_kind, frameOf) => {
    const { deliver } = await roomUnder({ privateMessages: false })
    expect(await deliver(frameOf, ben)).toBe(true)
  })
})

describe('Slow mode on receipt', () => {
  it("counts one interval per sender across every kind: Prebuilt's chat right after a message is dropped", async () => {
    const { deliver, transport } = await roomUnder({ slowModeSeconds: 30 })
    expect(await deliver(plainChat, ben)).toBe(true)
    expect(await deliver(prebuilt, ben)).toBe(false)
    expect(await deliver(chatRef, ben)).toBe(false)
    expect(transport.sent).toEqual([])
  })

  it('takes the next message once the interval has passed', async () => {
    const { clock, deliver } = await roomUnder({ slowModeSeconds: 30 })
    expect(await deliver(prebuilt, ben)).toBe(true)
    expect(await deliver(prebuilt, ben)).toBe(false)
    clock.advance(30_000)
    expect(await deliver(prebuilt, ben)).toBe(true)
  })
})

describe('Typing under the room settings', () => {
  it('shows no "is typing" from someone the settings keep from sending', async () => {
    const { client, transport } = await roomUnder({ send: 'owners' })
    transport.deliver({ v: 1, type: 'typing', typing: true }, ben.sessionId)
    expect(client.getSnapshot().typingLine).toBe('')
    transport.deliver({ v: 1, type: 'typing', typing: true }, host.sessionId)
    expect(client.getSnapshot().typingLine).toBe('Host is typing…')
  })
})

describe('Who sent a live message', () => {
  it('takes someone on Daily Prebuilt for no signed-in person, like the REST API and unknown sessions', () => {
    expect(isPersonId(ben.userId)).toBe(true)
    expect(isPersonId('prebuilt:session-pia')).toBe(false)
    expect(isPersonId('API')).toBe(false)
    expect(isPersonId('session:session-x')).toBe(false)
  })

  it("shows Prebuilt's chat under the sending session's prebuilt: id, never the participant's user id", async () => {
    const { client, deliver } = await roomUnder({})
    expect(await deliver(prebuilt, ben)).toBe(true)
    expect(client.getSnapshot().messages.at(-1)?.sender).toMatchObject({
      id: `prebuilt:${ben.sessionId}`,
      name: 'Ben',
    })
  })
})

describe('Live envelopes go to the handler registered for their kind', () => {
  /** An inbox with Ben and Host in the call, open; `owner`: this user is a room owner. */
  const inboxFor = (owner: boolean) => {
    const log = vi.fn()
    const prebuilt = vi.fn()
    const inbox = new LiveInbox({
      owner,
      transport: { participants: () => [ben, host] },
      prebuilt,
      log,
    })
    inbox.open()
    return { inbox, log, prebuilt }
  }
  const pins = { v: 1, type: 'pins' }

  it('hands a registered kind its envelope and its sender as the transport knows them', () => {
    const { inbox } = inboxFor(false)
    const received: [unknown, LiveFrom][] = []
    inbox.register({ type: 'typing', receive: (envelope, from) => received.push([envelope, from]) })
    inbox.received({ v: 1, type: 'typing', typing: true }, ben.sessionId)
    expect(received).toEqual([
      [
        { v: 1, type: 'typing', typing: true },
        { sessionId: ben.sessionId, id: ben.userId, name: 'Ben', known: true, owner: false },
      ],
    ])
  })

  it('drops and logs a kind nothing registered, and an envelope that does not parse', () => {
    const { inbox, log } = inboxFor(true)
    const receive = vi.fn()
    inbox.register({ type: 'settings', receive })
    inbox.received(pins, host.sessionId)
    inbox.received({ v: 1, type: 'settings', extra: true }, host.sessionId)
    expect(receive).not.toHaveBeenCalled()
    expect(log).toHaveBeenCalledWith('dropped a live envelope nothing here reads', {
      from: host.sessionId,
      type: 'pins',
    })
    expect(log).toHaveBeenCalledWith(
      'dropped a live message that is not a valid envelope',
      expect.objectContaining({ from: host.sessionId }),
    )
  })

  it("takes a kind only owners send from an owner, never from a member or a session it doesn't know", () => {
    const { inbox } = inboxFor(false)
    const receive = vi.fn()
    inbox.register({ type: 'pins', from: 'owners', receive })
    inbox.received(pins, ben.sessionId)
    inbox.received(pins, 'session-stranger')
    expect(receive).not.toHaveBeenCalled()
    inbox.received(pins, host.sessionId)
    expect(receive).toHaveBeenCalledTimes(1)
  })

  it("takes a kind only the function sends from Daily's REST API, and drops the same envelope from a person's session, an owner's included", () => {
    const { inbox, log } = inboxFor(false)
    const receive = vi.fn()
    inbox.register({ type: 'questions', from: 'api', receive })
    const board = {
      v: 1,
      type: 'questions',
      questions: [
        {
          id: newMessageId(ben.userId),
          body: 'Who pays for the coffee?',
          askerName: 'Ben',
          anonymous: false,
          votes: 9,
          state: 'answering',
          review: 'approved',
          createdAt: now(),
          revision: 3,
        },
      ],
    }
    inbox.received(board, ben.sessionId)
    inbox.received(board, host.sessionId)
    expect(receive).not.toHaveBeenCalled()
    expect(log).toHaveBeenCalledWith('dropped a notice only the function sends, from a session', {
      from: host.sessionId,
      type: 'questions',
    })
    inbox.received(board, 'API')
    expect(receive).toHaveBeenCalledTimes(1)
  })

  it("drops a kind only owners read at a member's page, from anyone", () => {
    const handler: LiveHandler<'reports'> = { type: 'reports', readers: 'owners', receive: vi.fn() }
    const member = inboxFor(false)
    member.inbox.register(handler)
    member.inbox.received({ v: 1, type: 'reports' }, host.sessionId)
    expect(handler.receive).not.toHaveBeenCalled()
    const owner = inboxFor(true)
    owner.inbox.register(handler)
    owner.inbox.received({ v: 1, type: 'reports' }, ben.sessionId)
    expect(handler.receive).toHaveBeenCalledTimes(1)
  })

  it('refuses a second handler for a kind already registered', () => {
    const { inbox } = inboxFor(false)
    inbox.register({ type: 'changed', receive: () => {} })
    expect(() => inbox.register({ type: 'changed', receive: () => {} })).toThrow(
      'Two handlers registered for live "changed" envelopes.',
    )
  })

  it('holds what arrives before the first history page, and hands it over in order on open', () => {
    const log = vi.fn()
    const inbox = new LiveInbox({
      owner: false,
      transport: { participants: () => [ben] },
      prebuilt: vi.fn(),
      log,
    })
    const typing: boolean[] = []
    inbox.register({ type: 'typing', receive: (envelope) => typing.push(envelope.typing) })
    inbox.received({ v: 1, type: 'typing', typing: true }, ben.sessionId)
    inbox.received({ v: 1, type: 'typing', typing: false }, ben.sessionId)
    expect(typing).toEqual([])
    inbox.open()
    expect(typing).toEqual([true, false])
  })
})

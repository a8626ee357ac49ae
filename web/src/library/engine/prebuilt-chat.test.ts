import {
  isMessageIdOf,
  MAX_LIVE_MESSAGE_CHARS,
  newMessageId,
  prebuiltDateMs,
  prebuiltMessageId,
} from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import {
  isBackchannelCopy,
  parsePrebuiltChat,
  prebuiltChatFor,
  prebuiltSenderName,
} from './prebuilt-chat.ts'

const EPOCH = '1733580000000'
const ISO = '2024-12-07T14:00:00.000Z'
const NOW = Date.parse('2030-01-01T00:00:00.000Z')

/** Prebuilt's chat message, as the facts file shows it. */
const fromPrebuilt = (fields: Record<string, unknown> = {}) => ({
  event: 'chat-msg',
  message: 'Can everyone hear me?',
  name: 'Pia',
  room: 'main-room',
  date: EPOCH,
  ...fields,
})

const jsonLength = (data: unknown) => JSON.stringify(data).length
const CUT_NOTE = '… (cut: the whole message is in Backchannel)'

describe("Reading Daily Prebuilt's chat", () => {
  it('reads the text, the claimed name and the date of a chat-msg', () => {
    expect(parsePrebuiltChat(fromPrebuilt())).toEqual({
      body: 'Can everyone hear me?',
      claimedName: 'Pia',
      date: EPOCH,
      dateMs: 1733580000000,
    })
  })

  it('reads a date sent as Date.now().toString() and as ISO as the same instant', () => {
    expect(parsePrebuiltChat(fromPrebuilt({ date: EPOCH }))?.dateMs).toBe(1733580000000)
    expect(parsePrebuiltChat(fromPrebuilt({ date: ISO }))?.dateMs).toBe(1733580000000)
    expect(parsePrebuiltChat(fromPrebuilt({ date: '2024-12-07T15:00:00+01:00' }))?.dateMs).toBe(
      1733580000000,
    )
    expect(parsePrebuiltChat(fromPrebuilt({ date: 1733580000000 }))?.dateMs).toBe(1733580000000)
  })

  it('takes a chat-msg without a date or a name (shown, but with nothing to store it by)', () => {
    const { date: _none, name: _nameless, ...bare } = fromPrebuilt()
    expect(parsePrebuiltChat(bare)).toEqual({ body: 'Can everyone hear me?' })
  })

  it.each([
    ['another event', fromPrebuilt({ event: 'chat-msg-reaction' })],
    ['no text', fromPrebuilt({ message: undefined })],
    ['text that is not text', fromPrebuilt({ message: 42 })],
    ['blank text', fromPrebuilt({ message: ' \u200b ' })],
    ['text with control characters', fromPrebuilt({ message: 'hi\u0000' })],
    ['text over 4,000 characters', fromPrebuilt({ message: 'x'.repeat(4001) })],
    ['a date that is no date', fromPrebuilt({ date: 'yesterday' })],
    ['a date in neither form', fromPrebuilt({ date: '07/12/2024' })],
    ["a breakout room's chat", fromPrebuilt({ room: 'breakout-1' })],
    ['a name that is not text', fromPrebuilt({ name: { first: 'Pia' } })],
    ['not an object', 'chat-msg'],
    ['null', null],
  ])('ignores a chat-msg with %s', (_case, data) => {
    expect(parsePrebuiltChat(data)).toBeUndefined()
  })

  it('keeps a name that will not do as a name here out of the claimed name', () => {
    expect(parsePrebuiltChat(fromPrebuilt({ name: 'Room' }))?.claimedName).toBeUndefined()
    expect(parsePrebuiltChat(fromPrebuilt({ name: '' }))?.claimedName).toBeUndefined()
  })

  it("skips another Backchannel client's copy of its own message", () => {
    const copy = prebuiltChatFor({ id: 'm1', body: 'hi', attachments: [], name: 'Ana' }, NOW)
    expect(isBackchannelCopy(copy)).toBe(true)
    expect(parsePrebuiltChat(copy)).toBeUndefined()
    expect(isBackchannelCopy(fromPrebuilt())).toBe(false)
  })
})

describe("A Prebuilt sender's name", () => {
  const chat = { body: 'hi', claimedName: 'Pretender' }

  it('is the name Daily gives the session, whatever the message claims', () => {
    expect(prebuiltSenderName('Pia', chat)).toBe('Pia')
  })

  it('is the claimed one when Daily gives none that will do, else a fixed one', () => {
    expect(prebuiltSenderName('', chat)).toBe('Pretender')
    expect(prebuiltSenderName(undefined, { body: 'hi' })).toBe('Daily Prebuilt guest')
  })
})

describe("A Prebuilt message's id", () => {
  const fields = { room: 'standup', sessionId: 's-pia', name: 'Pia', body: 'hi', dateMs: 1 }

  it('is the same for the same fields, and carries its sender prebuilt:<session>', () => {
    const id = prebuiltMessageId(fields)
    expect(prebuiltMessageId({ ...fields })).toBe(id)
    expect(isMessageIdOf(id, 'prebuilt:s-pia')).toBe(true)
    expect(isMessageIdOf(id, 's-pia')).toBe(false)
  })

  it('is the same for both forms of one date', () => {
    const epoch = prebuiltDateMs(EPOCH) as number
    const iso = prebuiltDateMs(ISO) as number
    expect(prebuiltMessageId({ ...fields, dateMs: epoch })).toBe(
      prebuiltMessageId({ ...fields, dateMs: iso }),
    )
  })

  it.each([
    ['room', { room: 'retro' }],
    ['session', { sessionId: 's-other' }],
    ['name', { name: 'Ana' }],
    ['text', { body: 'hi!' }],
    ['date', { dateMs: 2 }],
  ])('changes with the %s', (_field, change) => {
    expect(prebuiltMessageId({ ...fields, ...change })).not.toBe(prebuiltMessageId(fields))
  })
})

describe("Copying a message to Prebuilt's chat", () => {
  const message = (body: string, fields = {}) => ({
    id: newMessageId('user-ana'),
    body,
    attachments: [],
    name: 'Ana',
    ...fields,
  })

  it("is Prebuilt's chat-msg with the text, the sender's name, the main room, the date as Daily's demo sends it, and Backchannel's mark", () => {
    const sent = message('Hello from Backchannel')
    expect(prebuiltChatFor(sent, NOW)).toEqual({
      event: 'chat-msg',
      message: 'Hello from Backchannel',
      name: 'Ana',
      room: 'main-room',
      date: String(NOW),
      backchannelId: sent.id,
    })
  })

  it.each([
    ['4,000 plain characters', 'x'.repeat(4000)],
    ['4,000 quotes, each two characters of JSON', '"'.repeat(4000)],
    ['4,000 line breaks', `a${'\n'.repeat(3998)}b`],
    ['4,000 emoji, each two UTF-16 units', '😀'.repeat(4000)],
    ['4,000 control-free escapes', '\\'.repeat(4000)],
  ])("cuts %s to fit Daily's 4,096 characters, ending with where the rest is", (_case, body) => {
    const copy = prebuiltChatFor(message(body), NOW)
    expect(jsonLength(copy)).toBeLessThanOrEqual(MAX_LIVE_MESSAGE_CHARS)
    expect(copy.message.endsWith(CUT_NOTE)).toBe(true)
    // As much of the text as fits: one more character would not.
    const kept = copy.message.slice(0, -CUT_NOTE.length)
    expect(body.startsWith(kept)).toBe(true)
    const next = [...body][[...kept].length]
    expect(jsonLength({ ...copy, message: `${kept}${next}${CUT_NOTE}` })).toBeGreaterThan(
      MAX_LIVE_MESSAGE_CHARS,
    )
  })

  it('never cuts inside a character', () => {
    const copy = prebuiltChatFor(message('😀'.repeat(4000)), NOW)
    expect(copy.message).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
  })

  it('sends a message that fits as it is', () => {
    const body = 'y'.repeat(3900)
    expect(prebuiltChatFor(message(body), NOW).message).toBe(body)
  })

  it("says a poll's options and a message's files, which Prebuilt cannot show", () => {
    const poll = prebuiltChatFor(message('Lunch?', { poll: { options: ['Pizza', 'Soup'] } }), NOW)
    expect(poll.message).toBe('Poll: Lunch?\n• Pizza\n• Soup\n(vote in Backchannel)')
    const files = prebuiltChatFor(
      message('', {
        attachments: [
          {
            path: 'standup/0b9e2b8e-8b5a-4c53-9f3e-1d2a3b4c5d6e.png',
            name: 'plan.png',
            type: 'image/png',
            size: 10,
          },
        ],
      }),
      NOW,
    )
    expect(files.message).toBe('Files in Backchannel: plan.png')
  })
})

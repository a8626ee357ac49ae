import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import type { LiveFrom } from '../../engine/live-handler.ts'
import { TYPING_EXPIRY_MS } from './typing.ts'
import { Typing } from './typing-feature.ts'

const ben: LiveFrom = {
  sessionId: 'session-ben',
  id: 'ben',
  name: 'Ben',
  known: true,
  owner: false,
}

/** Typing for Me, in a room whose settings let `sending` users send. */
const setup = (sending: (sender: { owner?: boolean }) => boolean = () => true) => {
  const clock = new FakeClock()
  const sent: { typing: boolean; audience: readonly string[] | undefined }[] = []
  const typing = new Typing({
    clock,
    userId: 'me',
    send: (envelope, audience) => sent.push({ typing: envelope.typing, audience }),
    rules: { takesTyping: sending },
  })
  return { clock, sent, typing }
}

describe('Typing', () => {
  it('shows who is typing from their notices, until they stop, send or the notice expires', () => {
    const { clock, typing } = setup()
    typing.notice.receive({ v: 1, type: 'typing', typing: true }, ben)
    expect(typing.line.getSnapshot()).toBe('Ben is typing…')
    typing.ended(ben.sessionId)
    expect(typing.line.getSnapshot()).toBe('')
    typing.notice.receive({ v: 1, type: 'typing', typing: true }, ben)
    clock.advance(TYPING_EXPIRY_MS)
    expect(typing.line.getSnapshot()).toBe('')
  })

  it("shows no typing from someone the room's settings keep from sending, and still hears them stop", () => {
    const { typing } = setup(() => false)
    typing.notice.receive({ v: 1, type: 'typing', typing: true }, ben)
    expect(typing.line.getSnapshot()).toBe('')
    typing.notice.receive({ v: 1, type: 'typing', typing: false }, ben)
    expect(typing.line.getSnapshot()).toBe('')
  })

  it('tells only the recipient (and my other tabs) while a private message is written, and the room it stopped on a new audience', () => {
    const { sent, typing } = setup()
    typing.input('psst', 'ben')
    typing.input('hello all', undefined)
    expect(sent).toEqual([
      { typing: true, audience: ['ben', 'me'] },
      { typing: false, audience: ['ben', 'me'] },
      { typing: true, audience: undefined },
    ])
  })

  it('says nothing more once a message went out live, and that it stopped when it did not', () => {
    const { sent, typing } = setup()
    typing.input('hi', undefined)
    typing.sent(true)
    typing.input('large', undefined)
    typing.sent(false)
    expect(sent.map((notice) => notice.typing)).toEqual([true, true, false])
  })
})

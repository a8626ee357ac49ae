import { DEFAULT_ROOM_SETTINGS, type RoomSettings } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import { askRefusal, questionStart } from './ask-rules.ts'

const under = (
  questions: Partial<NonNullable<RoomSettings['questions']>>,
  send = DEFAULT_ROOM_SETTINGS.send,
): RoomSettings => ({
  ...DEFAULT_ROOM_SETTINGS,
  send,
  questions: { who: 'chat', anonymous: false, needApproval: false, ...questions },
})

describe('Who may ask', () => {
  it('follows the chat while Q&A is set to "chat": chat off closes it for everyone, owners-only for members', () => {
    expect(askRefusal(under({}), false)).toBeUndefined()
    expect(askRefusal(under({}, 'nobody'), true)).toBe('Q&A is turned off in this room.')
    expect(askRefusal(under({}, 'owners'), false)).toBe(
      'Only owners can ask or vote on questions in this room right now.',
    )
    expect(askRefusal(under({}, 'owners'), true)).toBeUndefined()
  })

  it('follows its own rule when set on its own, whatever the chat allows', () => {
    expect(askRefusal(under({ who: 'everyone' }, 'nobody'), false)).toBeUndefined()
    expect(askRefusal(under({ who: 'nobody' }), true)).toBe('Q&A is turned off in this room.')
    expect(askRefusal(under({ who: 'owners' }), false)).toBe(
      'Only owners can ask or vote on questions in this room right now.',
    )
  })
})

describe("A question's start, in its buttons' names", () => {
  it('is the whole question when short, and its first words otherwise', () => {
    expect(questionStart('When is the break?')).toBe('When is the break?')
    expect(questionStart('Will the slides be shared with everyone after the call?')).toBe(
      'Will the slides be shared with everyone…',
    )
    expect(questionStart('First line\nsecond line')).toBe('First line…')
  })
})

import { describe, expect, it } from 'vitest'
import type { Participant } from './live-channel.ts'
import { SenderLabels } from './sender-labels.ts'
import type { TimelineMessage } from './timeline.ts'

const participant = (userId: string, userName: string): Participant => ({
  sessionId: `session-${userId}`,
  userId,
  userName,
  local: false,
})

const message = (id: string, sender: Participant): TimelineMessage => ({
  id,
  sender: { id: sender.userId, name: sender.userName },
  body: 'hi',
  attachments: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  status: 'live',
  own: false,
})

describe('SenderLabels', () => {
  it('tells Ana from a lookalike "Аna" (Cyrillic А) in the participant list and on messages', () => {
    const ana = participant('ana', 'Ana')
    const impostor = participant('mallory', '\u0410na')
    const { participants, messages } = new SenderLabels().label(
      [ana, impostor],
      [message('1', ana), message('2', impostor)],
    )
    expect(participants.map((person) => person.label)).toEqual(['Ana', '\u0410na (2)'])
    expect(messages.map((shown) => shown.sender.name)).toEqual(['Ana', '\u0410na (2)'])
  })

  it('tells Ana from "An\\u200Ba", whose zero-width space shows as nothing', () => {
    const ana = participant('ana', 'Ana')
    const impostor = participant('mallory', 'An\u200Ba')
    const { participants } = new SenderLabels().label([ana, impostor], [])
    expect(participants.map((person) => person.label)).toEqual(['Ana', 'An\u200Ba (2)'])
  })
})

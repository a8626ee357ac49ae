import { describe, expect, it } from 'vitest'
import type { Participant } from './live-channel.ts'
import { People } from './people.ts'
import type { TimelineMessage } from './timeline.ts'

const participant = (userId: string, userName: string): Participant => ({
  sessionId: `session-${userId}`,
  userId,
  userName,
  local: false,
})

const message = (id: string, sender: Participant, seq?: number): TimelineMessage => ({
  id,
  sender: { id: sender.userId, name: sender.userName },
  body: 'hi',
  attachments: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  ...(seq === undefined ? { status: 'live' as const } : { seq, status: 'saved' as const }),
  own: false,
})

describe('People', () => {
  it('tells Ana from a lookalike "Аna" (Cyrillic А) in the participant list and the labels', () => {
    const ana = participant('ana', 'Ana')
    const impostor = participant('mallory', '\u0410na')
    const people = new People()
    people.seeParticipants([ana, impostor])
    const { participants, labels } = people.getSnapshot()
    expect(participants.map((person) => person.label)).toEqual(['Ana', '\u0410na (2)'])
    expect([...labels.values()]).toEqual(['Ana', '\u0410na (2)'])
  })

  it('tells Ana from "An\\u200Ba", whose zero-width space shows as nothing', () => {
    const people = new People()
    people.seeParticipants([participant('ana', 'Ana'), participant('mallory', 'An\u200Ba')])
    const { participants } = people.getSnapshot()
    expect(participants.map((person) => person.label)).toEqual(['Ana', 'An\u200Ba (2)'])
  })

  it('keeps its snapshot when the same people are handed out again, and a label for good', () => {
    const people = new People()
    const ana = participant('ana', 'Ana')
    people.seeParticipants([ana])
    const before = people.getSnapshot()
    people.seeParticipants([{ ...ana }])
    expect(people.getSnapshot()).toBe(before)
    // Ana leaves and a second Ana comes: she is still "Ana (2)", as the first one's messages say.
    people.seeParticipants([participant('ana2', 'Ana')])
    expect(people.getSnapshot().participants[0]?.label).toBe('Ana (2)')
  })

  it("knows each sender's latest message; an older page does not make anyone recent", () => {
    const ben = participant('ben', 'Ben')
    const people = new People()
    people.noteMessages([message('2', ben, 20)])
    people.noteMessages([message('1', ben, 10)])
    expect(people.getSnapshot().senders.get(ben.userId)?.id).toBe('2')
    people.noteMessages([message('3', ben)])
    expect(people.getSnapshot().senders.get(ben.userId)?.id).toBe('3')
  })
})

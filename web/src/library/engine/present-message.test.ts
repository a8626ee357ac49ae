import { describe, expect, it } from 'vitest'
import { YOU } from '../features/reactions/reactions.ts'
import type { PeopleSnapshot } from './people.ts'
import { presentMessage } from './present-message.ts'
import type { TimelineMessage } from './timeline.ts'

const me = { id: 'user-me', name: 'Me' }
const ana = { id: 'user-ana', name: 'Ana' }

const message = (reactions: TimelineMessage['reactions']): TimelineMessage => ({
  id: 'm1',
  sender: ana,
  body: 'hi',
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  seq: 1,
  status: 'saved',
  own: false,
  reactions,
})

/** The people as the client knows them: labels of those seen in the call, and who has written. */
const people = (
  labels: Record<string, string>,
  senders: readonly TimelineMessage[] = [],
): PeopleSnapshot => ({
  participants: [],
  labels: new Map(Object.entries(labels)),
  senders: new Map(senders.map((sent) => [sent.sender.id, sent])),
})

describe('presentMessage', () => {
  it('names who reacted from the participants and senders, this user as You', () => {
    const shown = message([
      { emoji: '👍', count: 4, userIds: [ana.id, me.id, 'user-ben', 'user-gone'] },
    ])
    const named = presentMessage(shown, people({ 'user-ben': 'Ben (2)' }, [shown]), me.id)
    expect(named.reactions).toEqual([
      {
        emoji: '👍',
        count: 4,
        userIds: [ana.id, me.id, 'user-ben', 'user-gone'],
        mine: true,
        names: ['Ana', YOU, 'Ben (2)', 'Someone'],
      },
    ])
  })

  it('hands back the same message while nothing it shows changed', () => {
    const plain = { ...message(undefined), id: 'plain' }
    expect(presentMessage(plain, people({}), me.id)).toBe(plain)
    const reacted = message([{ emoji: '🎉', count: 1, userIds: ['user-ben'] }])
    const first = presentMessage(reacted, people({ 'user-ben': 'Ben' }), me.id)
    // New people, the same names: the same message (its row need not render).
    expect(presentMessage(reacted, people({ 'user-ben': 'Ben' }), me.id)).toBe(first)
    const renamed = presentMessage(reacted, people({ 'user-ben': 'Benjamin' }), me.id)
    expect(renamed.reactions?.[0]?.names).toEqual(['Benjamin'])
    expect(renamed.reactions?.[0]?.mine).toBe(false)
  })

  it('names the sender by their label: a lookalike "Аna" (Cyrillic А) is "Аna (2)"', () => {
    const impostor = { ...message(undefined), sender: { id: 'user-mallory', name: '\u0410na' } }
    const labels = { [ana.id]: 'Ana', 'user-mallory': '\u0410na (2)' }
    expect(presentMessage(message(undefined), people(labels), me.id).sender.name).toBe('Ana')
    expect(presentMessage(impostor, people(labels), me.id).sender.name).toBe('\u0410na (2)')
  })
})

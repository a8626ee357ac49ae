import { parseMessage } from '@shared/message-format.ts'
import { describe, expect, it } from 'vitest'
import type { ChatParticipant } from '../../engine/people.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import {
  insertMention,
  MAX_SUGGESTIONS,
  mentionCandidates,
  mentionQueryAt,
  withPicked,
} from './mention-suggestions.ts'

const person = (userId: string, userName: string, label = userName): ChatParticipant => ({
  sessionId: `s-${userId}`,
  userId,
  userName,
  label,
  local: false,
})

const from = (
  id: string,
  name: string,
  fields: Partial<TimelineMessage> = {},
): TimelineMessage => ({
  id: `m-${id}-${Math.random()}`,
  sender: { id, name },
  body: 'hi',
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  status: 'saved',
  own: false,
  ...fields,
})

describe('mentionQueryAt', () => {
  it.each<[string, number | undefined, ReturnType<typeof mentionQueryAt>]>([
    ['@', undefined, { start: 0, query: '' }],
    ['hi @an', undefined, { start: 3, query: 'an' }],
    ['hi @Ana Lo', undefined, { start: 3, query: 'Ana Lo' }],
    ['(@be', undefined, { start: 1, query: 'be' }],
    ['@ana and more', 4, { start: 0, query: 'ana' }],
    ['mail ops@ana', undefined, undefined],
    ['@ana\nnext', undefined, undefined],
    ['@ hello', undefined, undefined],
    ['no at sign', undefined, undefined],
    [`@${'x'.repeat(70)}`, undefined, undefined],
  ])('%j (caret %s)', (text, caret, expected) => {
    expect(mentionQueryAt(text, caret ?? text.length)).toEqual(expected)
  })
})

describe('mentionCandidates', () => {
  const participants = [
    person('me', 'Me'),
    person('ana', 'Ana Lopez'),
    person('ana2', 'Ana', 'Ana (2)'),
    person('ben', 'Ben'),
  ]

  it('lists the people present first, then recent senders newest first, never oneself', () => {
    const messages = [from('zoe', 'Zoé'), from('cy', 'Cy'), from('ben', 'Ben'), from('me', 'Me')]
    expect(
      mentionCandidates('', { participants, messages }, 'me').map((c) => [c.label, c.present]),
    ).toEqual([
      ['Ana Lopez', true],
      ['Ana (2)', true],
      ['Ben', true],
      ['Cy', false],
      ['Zoé', false],
    ])
  })

  it('matches the start of the name or of any word in it, ignoring case and accents', () => {
    const messages = [from('zoe', 'Zoé Durand')]
    const names = (query: string) =>
      mentionCandidates(query, { participants, messages }, 'me').map((c) => c.name)
    expect(names('an')).toEqual(['Ana Lopez', 'Ana'])
    expect(names('LOP')).toEqual(['Ana Lopez'])
    expect(names('zoe')).toEqual(['Zoé Durand'])
    expect(names('dur')).toEqual(['Zoé Durand'])
    expect(names('x')).toEqual([])
  })

  it('stores the name, not the label: "Ana (2)" is mentioned as @Ana with her own id', () => {
    const [second] = mentionCandidates(
      'ana',
      { participants: [participants[2] as ChatParticipant], messages: [] },
      'me',
    )
    expect(second).toEqual({ userId: 'ana2', name: 'Ana', label: 'Ana (2)', present: true })
  })

  it('leaves out the room itself, unknown senders and deleted messages, and stops at the limit', () => {
    const messages = [
      from('API', 'Room'),
      from('session:abc', 'Unknown participant'),
      from('gone', 'Gone', { deleted: true }),
      ...Array.from({ length: 20 }, (_, index) => from(`p${index}`, `P${index}`)),
    ]
    const candidates = mentionCandidates('', { participants: [], messages }, 'me')
    expect(candidates).toHaveLength(MAX_SUGGESTIONS)
    expect(candidates.map((c) => c.userId)).not.toContain('API')
    expect(candidates.map((c) => c.userId)).not.toContain('gone')
    expect(candidates.some((c) => c.userId.startsWith('session:'))).toBe(false)
  })
})

describe('insertMention', () => {
  it('replaces what was typed after @ with the name and a space, caret after it', () => {
    expect(insertMention('hi @an', { start: 3, query: 'an' }, { name: 'Ana Lopez' })).toEqual({
      text: 'hi @Ana Lopez ',
      caret: 14,
    })
    // In the middle of the text, without doubling the space that follows.
    expect(insertMention('@b see this', { start: 0, query: 'b' }, { name: 'Ben' })).toEqual({
      text: '@Ben see this',
      caret: 5,
    })
  })
})

describe('withPicked', () => {
  const ana = { userId: 'u-ana', name: 'Ana' }
  const otherAna = { userId: 'u-ana-2', name: 'Ana' }
  const ben = { userId: 'u-ben', name: 'Ben' }

  it('puts two people of one name in the order the text names them, so each renders as themselves', () => {
    // otherAna was picked for the second @Ana; then ana for an @Ana typed before it.
    const first = withPicked([], otherAna, 'ok @Ana', 3)
    const both = withPicked([ben, ...first], ana, '@Ana ok @Ana', 0)
    expect(both).toEqual([ben, ana, otherAna])
    const mentioned = parseMessage('@Ana ok @Ana', both)
    expect(mentioned).toEqual([
      {
        kind: 'paragraph',
        children: [
          { kind: 'mention', text: '@Ana', userId: ana.userId },
          { kind: 'text', text: ' ok ' },
          { kind: 'mention', text: '@Ana', userId: otherAna.userId },
        ],
      },
    ])
  })

  it('adds a person after the others of their name when the text names them last, once each', () => {
    expect(withPicked([ana], otherAna, '@Ana and @Ana', 9)).toEqual([ana, otherAna])
    expect(withPicked([ana, ben], ben, '@Ana @Ben', 5)).toEqual([ana, ben])
  })
})

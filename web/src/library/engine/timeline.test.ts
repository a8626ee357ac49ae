import type { StoredMessage } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import { type NewTimelineMessage, Timeline } from './timeline.ts'

const ANA = { id: 'user-ana', name: 'Ana' }
const BEN = { id: 'user-ben', name: 'Ben' }

/** A stored message with id `m<seq>` unless told otherwise. */
const stored = (seq: number, fields: Partial<StoredMessage> = {}): StoredMessage => ({
  id: `m${seq}`,
  room: 'standup',
  sender: BEN,
  body: `message ${seq}`,
  attachments: [],
  createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, seq)).toISOString(),
  seq,
  ...fields,
})

/** Stored messages `from`..`to` inclusive, ascending. */
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => stored(from + i))

const unsaved = (id: string, fields: Partial<NewTimelineMessage> = {}): NewTimelineMessage => ({
  id,
  sender: BEN,
  body: `live ${id}`,
  attachments: [],
  createdAt: '2030-01-01T12:00:00.000Z',
  status: 'live',
  own: false,
  ...fields,
})

const ids = (timeline: Timeline) => timeline.list().map((message) => message.id)

describe('Timeline', () => {
  describe('ordering', () => {
    it('starts empty, without cursors', () => {
      const timeline = new Timeline()

      expect(timeline.list()).toEqual([])
      expect(timeline.newestSeq()).toBeUndefined()
      expect(timeline.oldestSeq()).toBeUndefined()
    })

    it('orders a history page by seq whatever order it arrives in', () => {
      const timeline = new Timeline()

      timeline.addStored([stored(3), stored(1), stored(2)])

      expect(ids(timeline)).toEqual(['m1', 'm2', 'm3'])
      expect(timeline.list().map((message) => message.seq)).toEqual([1, 2, 3])
    })

    it('puts live messages after the history, in arrival order', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 3))

      timeline.addUnsaved(unsaved('live-b'))
      timeline.addUnsaved(unsaved('live-a'))

      expect(ids(timeline)).toEqual(['m1', 'm2', 'm3', 'live-b', 'live-a'])
    })

    it('keeps a reply below an own message that is saved after the reply arrived', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 2))
      timeline.addUnsaved(unsaved('mine', { sender: ANA, own: true, status: 'sending' }))
      timeline.addUnsaved(unsaved('reply'))

      // The own write comes back with a seq after messages stored meanwhile elsewhere.
      timeline.addStored([stored(7, { id: 'mine', sender: ANA })])

      expect(ids(timeline)).toEqual(['m1', 'm2', 'mine', 'reply'])
      // What arrived before the own message is not moved below it.
      timeline.addUnsaved(unsaved('later'))
      timeline.addStored([stored(9, { id: 'later' })])
      expect(ids(timeline)).toEqual(['m1', 'm2', 'mine', 'reply', 'later'])
    })

    it('leaves messages that arrived before a now-saved message where they were', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 2))
      timeline.addUnsaved(unsaved('earlier'))
      timeline.addUnsaved(unsaved('mine', { sender: ANA, own: true, status: 'sending' }))

      timeline.addStored([stored(5, { id: 'mine', sender: ANA })])

      expect(ids(timeline)).toEqual(['m1', 'm2', 'earlier', 'mine'])
    })

    it('keeps a live message right after the newest seq known when it arrived', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 2))
      timeline.addUnsaved(unsaved('live'))

      // A gap fill brings messages stored before or around the live one arrived.
      timeline.addStored(range(3, 4))

      expect(ids(timeline)).toEqual(['m1', 'm2', 'live', 'm3', 'm4'])
    })

    it('anchors live messages to 0 when no stored message is known yet', () => {
      const timeline = new Timeline()
      timeline.addUnsaved(unsaved('early'))

      timeline.addStored(range(1, 2))

      expect(ids(timeline)).toEqual(['early', 'm1', 'm2'])
    })

    it('orders unsaved messages of different anchors by anchor, then by arrival', () => {
      const timeline = new Timeline()
      timeline.addStored([stored(1)])
      timeline.addUnsaved(unsaved('a1'))
      timeline.addUnsaved(unsaved('a2'))
      timeline.addStored([stored(5)])
      timeline.addUnsaved(unsaved('b1'))

      timeline.addStored([stored(3), stored(7)])

      expect(ids(timeline)).toEqual(['m1', 'a1', 'a2', 'm3', 'm5', 'b1', 'm7'])
    })

    it('moves an own unsaved message into seq order once it is stored', () => {
      const timeline = new Timeline({ ownUserId: ANA.id })
      timeline.addStored(range(1, 2))
      timeline.addUnsaved(unsaved('mine', { sender: ANA, own: true, status: 'sending' }))
      timeline.addUnsaved(unsaved('theirs'))
      // Someone else's message was stored first, then ours.
      timeline.addStored([stored(3)])

      timeline.addStored([
        stored(4, {
          id: 'mine',
          sender: ANA,
          body: 'mine, as stored',
          createdAt: '2030-01-01T12:00:01.000Z',
        }),
      ])

      // 'theirs' arrived after 'mine', so it stays after it.
      expect(ids(timeline)).toEqual(['m1', 'm2', 'm3', 'mine', 'theirs'])
      expect(timeline.get('mine')).toEqual({
        id: 'mine',
        sender: ANA,
        attachments: [],
        body: 'mine, as stored',
        createdAt: '2030-01-01T12:00:01.000Z',
        seq: 4,
        status: 'saved',
        own: true,
      })
      expect(timeline.newestSeq()).toBe(4)
    })

    it('keeps a known message own and drops its error when it becomes stored', () => {
      const timeline = new Timeline()
      timeline.addUnsaved(unsaved('mine', { own: true, status: 'sending' }))
      timeline.setStatus('mine', 'retrying', 'Network error: offline')

      // No ownUserId: only the earlier flag can say it is ours.
      timeline.addStored([stored(9, { id: 'mine' })])

      expect(timeline.get('mine')).toMatchObject({ own: true, status: 'saved', seq: 9 })
      expect(timeline.get('mine')).not.toHaveProperty('error')
    })

    it('marks stored messages from the own user as own, others not', () => {
      const timeline = new Timeline({ ownUserId: ANA.id })

      timeline.addStored([stored(1, { sender: ANA }), stored(2, { sender: BEN })])

      expect(timeline.list().map((message) => message.own)).toEqual([true, false])
    })

    it('marks no stored message as own without an ownUserId', () => {
      const timeline = new Timeline()

      timeline.addStored([stored(1, { sender: ANA })])

      expect(timeline.get('m1')?.own).toBe(false)
    })

    it('prepends an older page before the loaded history and the live messages', () => {
      const timeline = new Timeline()
      timeline.addStored(range(101, 150))
      timeline.addUnsaved(unsaved('live'))

      timeline.addStored(range(51, 100))

      const list = timeline.list()
      expect(list).toHaveLength(101)
      expect(list.slice(0, 3).map((message) => message.seq)).toEqual([51, 52, 53])
      expect(list.slice(-2).map((message) => message.id)).toEqual(['m150', 'live'])
      expect(timeline.oldestSeq()).toBe(51)
      expect(timeline.newestSeq()).toBe(150)
    })

    it('merges an overlapping page into the middle', () => {
      const timeline = new Timeline()
      timeline.addStored([stored(1), stored(10), stored(20)])
      timeline.addUnsaved(unsaved('after-20'))

      timeline.addStored(range(5, 25))

      expect(timeline.list().map((message) => message.seq ?? message.id)).toEqual([
        1,
        ...Array.from({ length: 16 }, (_, i) => 5 + i),
        'after-20',
        21,
        22,
        23,
        24,
        25,
      ])
    })

    it('inserts a few stored messages into gaps in the middle', () => {
      const timeline = new Timeline()
      timeline.addStored([stored(1), stored(4), stored(8)])

      timeline.addStored([stored(6), stored(2)])

      expect(timeline.list().map((message) => message.seq)).toEqual([1, 2, 4, 6, 8])
    })
  })

  describe('duplicates', () => {
    it('keeps one copy of a message seen live and then in history', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 2))
      expect(timeline.addUnsaved(unsaved('m3'))).toBe(true)

      timeline.addStored(range(1, 4))

      expect(ids(timeline)).toEqual(['m1', 'm2', 'm3', 'm4'])
      expect(timeline.get('m3')).toMatchObject({ seq: 3, status: 'saved', body: 'message 3' })
    })

    it('refuses a live message whose id is already stored, changing nothing', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 3))
      const before = timeline.list()

      expect(timeline.addUnsaved(unsaved('m2', { body: 'replayed' }))).toBe(false)

      expect(timeline.list()).toBe(before)
      expect(timeline.get('m2')?.body).toBe('message 2')
    })

    it('refuses the same live message twice', () => {
      const timeline = new Timeline()
      expect(timeline.addUnsaved(unsaved('live'))).toBe(true)

      expect(timeline.addUnsaved(unsaved('live', { body: 'again' }))).toBe(false)

      expect(timeline.list()).toEqual([unsaved('live')])
    })

    it('keeps one copy of a stored message that arrives in two pages', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 5))

      timeline.addStored(range(4, 8))

      expect(timeline.list().map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    })

    it('keeps the last copy when one page names an id twice', () => {
      const timeline = new Timeline()

      timeline.addStored([stored(1), stored(2, { id: 'm1', body: 'later' })])

      expect(timeline.list()).toHaveLength(1)
      expect(timeline.get('m1')).toMatchObject({ seq: 2, body: 'later' })
    })

    it('keeps one copy when a page names an unsaved id twice', () => {
      const timeline = new Timeline()
      timeline.addUnsaved(unsaved('x'))

      timeline.addStored([stored(3, { id: 'x' }), stored(1), stored(3, { id: 'x' })])

      expect(ids(timeline)).toEqual(['m1', 'x'])
    })
  })

  describe('setStatus', () => {
    it('changes the status and error of an unsaved message', () => {
      const timeline = new Timeline()
      timeline.addUnsaved(unsaved('mine', { own: true, status: 'sending' }))

      expect(timeline.setStatus('mine', 'retrying', 'Network error: offline')).toBe(true)
      expect(timeline.get('mine')).toMatchObject({
        status: 'retrying',
        error: 'Network error: offline',
      })

      expect(timeline.setStatus('mine', 'sending')).toBe(true)
      expect(timeline.get('mine')?.status).toBe('sending')
      expect(timeline.get('mine')).not.toHaveProperty('error')
    })

    it('answers false for an unknown id', () => {
      const timeline = new Timeline()
      const before = timeline.list()

      expect(timeline.setStatus('nobody', 'failed', 'x')).toBe(false)
      expect(timeline.list()).toBe(before)
    })

    it('leaves a stored message saved whatever a late write outcome says', () => {
      const timeline = new Timeline()
      timeline.addStored([stored(1)])
      const before = timeline.list()

      expect(timeline.setStatus('m1', 'retrying', 'Network error: lost')).toBe(true)

      expect(timeline.list()).toBe(before)
      expect(timeline.get('m1')?.status).toBe('saved')
    })

    it('does not move the message', () => {
      const timeline = new Timeline()
      timeline.addStored([stored(1)])
      timeline.addUnsaved(unsaved('a'))
      timeline.addUnsaved(unsaved('b'))

      timeline.setStatus('a', 'failed', 'Refused')

      expect(ids(timeline)).toEqual(['m1', 'a', 'b'])
    })
  })

  describe('list identity', () => {
    it('returns the same array while nothing changes', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 3))
      const first = timeline.list()

      expect(timeline.list()).toBe(first)
      timeline.addStored([])
      timeline.addStored(range(1, 3))
      timeline.setStatus('nobody', 'failed')
      expect(timeline.list()).toBe(first)
    })

    it('returns the same array after a status change to what it already is', () => {
      const timeline = new Timeline()
      timeline.addUnsaved(unsaved('a', { status: 'sending' }))
      const first = timeline.list()

      timeline.setStatus('a', 'sending')

      expect(timeline.list()).toBe(first)
    })

    it('returns a new array after each kind of change, leaving the old one as it was', () => {
      const timeline = new Timeline()
      const seen = [timeline.list()]
      const expectNew = () => {
        const list = timeline.list()
        for (const earlier of seen) expect(list).not.toBe(earlier)
        seen.push(list)
      }

      timeline.addStored(range(1, 2))
      expectNew()
      timeline.addUnsaved(unsaved('a', { own: true, status: 'sending' }))
      expectNew()
      timeline.setStatus('a', 'retrying', 'Network error: offline')
      expectNew()
      timeline.addStored([stored(3, { id: 'a' })])
      expectNew()
      timeline.addStored([stored(3, { id: 'a', body: 'edited' })])
      expectNew()

      expect(seen.map((list) => list.length)).toEqual([0, 2, 3, 3, 3, 3])
      expect(seen[2]?.[2]?.status).toBe('sending')
    })

    it('hands out a new message object only for the message that changed', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 2))
      timeline.addUnsaved(unsaved('a', { status: 'sending' }))
      const [first, second, third] = timeline.list()

      timeline.setStatus('a', 'failed', 'Refused')

      const after = timeline.list()
      expect(after[0]).toBe(first)
      expect(after[1]).toBe(second)
      expect(after[2]).not.toBe(third)
      expect(third?.status).toBe('sending')
    })
  })

  describe('cursors', () => {
    it('tracks the lowest and highest stored seq, ignoring unsaved messages', () => {
      const timeline = new Timeline()
      timeline.addStored([stored(40), stored(42)])
      timeline.addUnsaved(unsaved('live'))

      timeline.addStored([stored(12)])

      expect(timeline.oldestSeq()).toBe(12)
      expect(timeline.newestSeq()).toBe(42)
    })
  })

  describe('forgetStoredBefore', () => {
    it('forgets stored messages below the oldest one the room still has, keeping unsaved ones', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 5))
      timeline.addUnsaved(unsaved('mine', { status: 'retrying', own: true }))
      const before = timeline.list()

      expect(timeline.forgetStoredBefore(4)).toBe(true)

      expect(ids(timeline)).toEqual(['m4', 'm5', 'mine'])
      expect(timeline.list()).not.toBe(before)
      expect(timeline.has('m1')).toBe(false)
      expect(timeline.oldestSeq()).toBe(4)
      // A page read before the purge may bring them back: they are new again, not "deleted".
      timeline.addStored([stored(2)])
      expect(ids(timeline)).toEqual(['m2', 'm4', 'm5', 'mine'])
    })

    it('forgets every stored message when the room has none, and changes nothing when all remain', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 3))
      timeline.addUnsaved(unsaved('live'))
      const before = timeline.list()
      expect(timeline.forgetStoredBefore(1)).toBe(false)
      expect(timeline.list()).toBe(before)

      expect(timeline.forgetStoredBefore(null)).toBe(true)
      expect(ids(timeline)).toEqual(['live'])
      expect(timeline.oldestSeq()).toBeUndefined()
    })

    it('keeps "Message deleted" where a deletion was shown', () => {
      const timeline = new Timeline()
      timeline.addStored(range(1, 2))
      timeline.markDeleted('m1')
      timeline.forgetStoredBefore(null)
      expect(timeline.list()).toMatchObject([{ id: 'm1', deleted: true, body: '' }])
    })
  })

  describe('replaceUrls', () => {
    const file = (name: string, url?: string) => ({
      path: `standup/${name}.png`,
      name: `${name}.png`,
      type: 'image/png' as const,
      size: 10,
      ...(url ? { url, urlExpiresAt: '2030-01-01T01:00:00.000Z' } : {}),
    })

    it("gives stored and live messages their files' new URLs, leaving other files as they are", () => {
      const timeline = new Timeline()
      timeline.addStored([stored(1, { attachments: [file('a', 'old-a'), file('b', 'old-b')] })])
      timeline.addUnsaved(unsaved('live', { attachments: [file('c', 'old-c')] }))
      const untouched = timeline.list()[0]
      timeline.addStored([stored(2)])
      const plain = timeline.get('m2')

      const fresh = { ...file('a', 'new-a'), urlExpiresAt: '2030-01-01T02:00:00.000Z' }
      expect(timeline.replaceUrls([fresh, file('c', 'new-c')])).toBe(2)

      expect(timeline.get('m1')?.attachments).toEqual([fresh, file('b', 'old-b')])
      expect(timeline.get('live')?.attachments[0]?.url).toBe('new-c')
      expect(timeline.get('m1')).not.toBe(untouched)
      expect(timeline.get('m2')).toBe(plain)
    })
  })

  describe('at scale', () => {
    it('builds 10,000+ messages from live arrivals and older pages, in order', () => {
      const timeline = new Timeline({ ownUserId: ANA.id })
      // The newest page first, as the app loads it.
      timeline.addStored(range(9_801, 10_000))
      let liveCount = 0
      let nextSeq = 10_001
      for (let round = 0; round < 49; round++) {
        // One older page of 200...
        const top = 9_800 - round * 200
        timeline.addStored(range(top - 199, top).reverse())
        // ...and live messages at the end, half of them stored soon after.
        for (let i = 0; i < 20; i++) {
          const id = `live-${liveCount++}`
          timeline.addUnsaved(unsaved(id, { sender: ANA, own: true, status: 'sending' }))
          if (i % 2 === 0) timeline.addStored([stored(nextSeq++, { id, sender: ANA })])
        }
      }
      // A gap fill with everything stored while the rest were in flight.
      const late = Array.from({ length: 490 }, (_, i) => stored(nextSeq + i))
      timeline.addStored(late)

      const list = timeline.list()
      expect(list).toHaveLength(10_000 + 980 + 490)
      expect(new Set(list.map((message) => message.id)).size).toBe(list.length)
      expect(timeline.oldestSeq()).toBe(1)
      expect(timeline.newestSeq()).toBe(nextSeq + 489)
      // Stored messages ascend by seq throughout; each unsaved one sits after a stored one.
      const seqs = list.flatMap((message) => (message.seq === undefined ? [] : [message.seq]))
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
      expect(seqs.slice(0, 10_000)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1))
      const unsavedIds = list.filter((message) => message.seq === undefined)
      expect(unsavedIds).toHaveLength(490)
      expect(unsavedIds.every((message) => message.own && message.status === 'sending')).toBe(true)
      // The first live message arrived after seq 9,800..10,000 were known and before 10,001.
      expect(list.findIndex((message) => message.id === 'live-1')).toBe(10_000 + 1)
      const last = list.findIndex((message) => message.id === 'live-979')
      expect(list[last - 1]?.seq).toBe(10_490)
      expect(list[last + 1]?.seq).toBe(10_491)
    })
  })
})

// Recording who is in a room costs little: once per token, and a crowd joining at once is written
// in a couple of statements, not one per person.
import { describe, expect, it } from 'vitest'
import type { TokenClaims } from '../_shared/protocol.ts'
import type { RoomPerson } from './message-store.ts'
import { createRoomPeople } from './room-people.ts'

const claims = (userId: string, name = 'Ana', fields: Partial<TokenClaims> = {}): TokenClaims => ({
  r: 'standup',
  u: name,
  ud: userId,
  iat: 2_000_000_000,
  exp: 2_000_003_600,
  ...fields,
})

/** A store that records each write, and fails the next one when told to. */
function recordingStore() {
  const writes: RoomPerson[][] = []
  let failNext = false
  return {
    writes,
    failNextWrite: () => {
      failNext = true
    },
    async notePeople(people: readonly RoomPerson[]) {
      if (failNext) {
        failNext = false
        throw new Error('database unavailable')
      }
      writes.push([...people])
    },
  }
}

describe('createRoomPeople', () => {
  it('writes a crowd that joins at once in two statements: the first, then everyone else', async () => {
    const store = recordingStore()
    const people = createRoomPeople(store)
    await Promise.all(Array.from({ length: 50 }, (_, index) => people.note(claims(`u${index}`))))
    expect(store.writes.map((batch) => batch.length)).toEqual([1, 49])
    expect(store.writes[0]?.[0]).toEqual({
      room: 'standup',
      user: { id: 'u0', name: 'Ana' },
      namedAt: new Date(2_000_000_000_000),
      expiresAt: new Date(2_000_003_600_000),
    })
  })

  it('writes a token once, and again for a new name or a new token', async () => {
    const store = recordingStore()
    const people = createRoomPeople(store)
    await people.note(claims('u1'))
    await people.note(claims('u1'))
    expect(store.writes).toHaveLength(1)
    await people.note(claims('u1', 'Ana Lopez'))
    await people.note(claims('u1', 'Ana Lopez', { exp: 2_000_007_200 }))
    expect(store.writes.flat().map((person) => person.user.name)).toEqual([
      'Ana',
      'Ana Lopez',
      'Ana Lopez',
    ])
  })

  it('answers a failed write with its error, and tries again on the next request', async () => {
    const store = recordingStore()
    const people = createRoomPeople(store)
    store.failNextWrite()
    await expect(people.note(claims('u1'))).rejects.toThrow('database unavailable')
    await people.note(claims('u1'))
    expect(store.writes).toHaveLength(1)
  })

  it('settles once every write begun before it has ended, failed or not', async () => {
    const store = recordingStore()
    const people = createRoomPeople(store)
    store.failNextWrite()
    const first = people.note(claims('u1')).catch(() => 'failed')
    const second = people.note(claims('u2'))
    await people.settled()
    expect(await first).toBe('failed')
    expect(store.writes.flat().map((person) => person.user.id)).toEqual(['u2'])
    await second
  })

  it("keeps Supabase's Edge Runtime running until each record is written", async () => {
    const kept: Promise<unknown>[] = []
    const runtime = globalThis as { EdgeRuntime?: { waitUntil(work: Promise<unknown>): void } }
    runtime.EdgeRuntime = { waitUntil: (work) => kept.push(work) }
    try {
      const store = recordingStore()
      const people = createRoomPeople(store)
      void people.note(claims('u1'))
      expect(kept).toHaveLength(1)
      await Promise.all(kept)
      expect(store.writes.flat().map((person) => person.user.id)).toEqual(['u1'])
    } finally {
      delete runtime.EdgeRuntime
    }
  })
})

import type { TokenClaims } from '../_shared/protocol.ts'
import { keepRunningUntil } from './edge-runtime.ts'
import type { MessageStore } from './message-store.ts'

/** Tokens remembered as recorded, per function instance (as many as tokens.ts verifies). */
const RECORDED_CACHE_SIZE = 10_000

export interface RoomPeople {
  /**
   * Records the holder of a verified token as in its room under the token's name (`u`), so that
   * others may mention them by it. Writes once per token per function instance; people seen
   * while a write is in flight go together in the next one, so a call that everyone joins at
   * once costs a couple of writes, not one per person.
   */
  note(claims: TokenClaims): Promise<void>
  /**
   * Resolves once every write begun before it has ended, failed or not: a mention checked after
   * it finds everyone whose history this instance has served (a read does not wait for its
   * reader's record).
   */
  settled(): Promise<void>
}

/**
 * Who is in which room under which name, as the chat function learns it from the meeting tokens
 * it verifies (the database keeps it in chat.room_people and checks every mention against it).
 *
 * @example await createRoomPeople(store).note(claims)
 */
export function createRoomPeople(store: Pick<MessageStore, 'notePeople'>): RoomPeople {
  // Per token (room, person, name, expiry): its write, done or in flight. A failed write is
  // forgotten, so the next request tries again.
  const recorded = new Map<string, Promise<void>>()
  let queued: { claims: TokenClaims; resolve: () => void; reject: (error: unknown) => void }[] = []
  // The loop that writes what is queued, while it runs: it ends when the queue is empty.
  let writing: Promise<void> | undefined

  async function writeQueued() {
    while (queued.length > 0) {
      const batch = queued
      queued = []
      try {
        await store.notePeople(
          batch.map(({ claims }) => ({
            room: claims.r,
            user: { id: claims.ud, name: claims.u },
            // A token without iat (Daily's may omit it) counts as issued when first seen.
            namedAt: new Date((claims.iat ?? claims.nbf ?? Date.now() / 1000) * 1000),
            expiresAt: new Date(claims.exp * 1000),
          })),
        )
        for (const { resolve } of batch) resolve()
      } catch (error) {
        for (const { reject } of batch) reject(error)
      }
    }
    writing = undefined
  }

  return {
    note(claims) {
      const key = `${claims.r}\n${claims.ud}\n${claims.u}\n${claims.exp}`
      const known = recorded.get(key)
      if (known) return known
      const written = new Promise<void>((resolve, reject) => {
        queued.push({ claims, resolve, reject })
      })
      recorded.set(key, written)
      written.catch(() => recorded.delete(key))
      if (recorded.size > RECORDED_CACHE_SIZE) {
        const oldest = recorded.keys().next().value
        if (oldest !== undefined) recorded.delete(oldest)
      }
      if (!writing) {
        writing = writeQueued()
        keepRunningUntil(writing)
      }
      return written
    },
    async settled() {
      // The loop takes whatever is queued meanwhile too, and ends only when all of it is written.
      await writing
    },
  }
}

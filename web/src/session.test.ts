import { describe, expect, it } from 'vitest'
import { createRoomTokens } from '../../functions/chat/tokens.ts'
import { isRoomOwner } from './session.ts'

describe('isRoomOwner', () => {
  const tokens = createRoomTokens({ apiKey: 'k'.repeat(32), ttlSeconds: 60 })
  const user = { id: 'u1', name: 'Ana Ö' }

  it('reads the owner claim of a token', async () => {
    expect(isRoomOwner((await tokens.mint('room', user, { owner: true })).token)).toBe(true)
    expect(isRoomOwner((await tokens.mint('room', user)).token)).toBe(false)
  })

  it('treats anything unreadable as not an owner', () => {
    expect(isRoomOwner('not-a-token')).toBe(false)
    expect(isRoomOwner('a.!!!.c')).toBe(false)
  })
})

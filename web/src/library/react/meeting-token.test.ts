import { describe, expect, it } from 'vitest'
import { createRoomTokens } from '../../../../functions/chat/tokens.ts'
import { readMeetingToken } from './meeting-token.ts'

const tokens = createRoomTokens({ apiKey: 'k'.repeat(32), ttlSeconds: 60 })
/** A JWT-shaped string with these claims (unsigned: reading never verifies). */
const withClaims = (claims: object) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

describe('readMeetingToken', () => {
  it('reads the room, the person and the expiry of a token the function mints', async () => {
    const minted = await tokens.mint('standup', { id: 'u-1', name: 'Zoë 李' })

    expect(readMeetingToken(minted.token)).toEqual({
      room: 'standup',
      user: { id: 'u-1', name: 'Zoë 李' },
      owner: false,
      expiresAt: minted.expiresAt.toISOString(),
    })
  })

  it("reads Daily's owner claim", async () => {
    const minted = await tokens.mint('standup', { id: 'u-1', name: 'Ana' }, { owner: true })

    expect(readMeetingToken(minted.token).owner).toBe(true)
  })

  it('refuses what is not a meeting token, saying why', () => {
    expect(() => readMeetingToken('not-a-token')).toThrow('not a meeting token')
    expect(() => readMeetingToken('a.!!!.c')).toThrow('cannot be read')
  })

  it('names the claim a token lacks or holds unusable', () => {
    const exp = Math.floor(Date.now() / 1000) + 60
    expect(() => readMeetingToken(withClaims({ u: 'Ana', ud: 'u-1', exp }))).toThrow('"r"')
    expect(() =>
      readMeetingToken(withClaims({ r: 'no spaces', u: 'Ana', ud: 'u-1', exp })),
    ).toThrow('"r"')
    expect(() => readMeetingToken(withClaims({ r: 'standup', u: 'Ana', exp }))).toThrow('"ud"')
  })
})

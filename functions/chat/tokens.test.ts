import { randomUUID } from 'node:crypto'
import { decodeProtectedHeader, type JWTPayload, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { ApiError } from './errors.ts'
import { createRoomTokens } from './tokens.ts'

const API_KEY = 'unit-test-daily-api-key-0123456789'
const KEY = new TextEncoder().encode(API_KEY)
const nowSeconds = () => Math.floor(Date.now() / 1000)

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A JWT with claims that would be valid, signed with the given alg and key (as Daily would). */
const signed = (claims: JWTPayload, { alg = 'HS256', key = KEY } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key)

/** Claims a Daily meeting token for `room` carries, valid for the next hour. */
const dailyClaims = (room = 'standup'): JWTPayload => ({
  r: room,
  u: 'Ana',
  ud: randomUUID(),
  iat: nowSeconds(),
  nbf: nowSeconds(),
  exp: nowSeconds() + 3600,
})

/** The ApiError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  )
  expect(outcome).not.toHaveProperty('resolved')
  const error = (outcome as { rejected: unknown }).rejected
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

async function expectRejected(promise: Promise<unknown>, code: string) {
  const error = await rejection(promise)
  expect(error.status).toBe(401)
  expect(error.code).toBe(code)
  expect(error.message).not.toBe('')
  expect(error.options.headers?.['WWW-Authenticate']).toMatch(/^Bearer /)
}

describe('createRoomTokens', () => {
  const tokens = createRoomTokens({ apiKey: API_KEY, ttlSeconds: 3600 })

  describe('mint then verify', () => {
    it('round-trips r, u, ud, iat, nbf and exp, signed HS256, without d', async () => {
      const now = new Date('2031-04-05T06:07:08.900Z')
      const issuedAt = Math.floor(now.getTime() / 1000)
      const pinned = createRoomTokens({ apiKey: API_KEY, ttlSeconds: 900, now: () => now })
      const user = { id: randomUUID(), name: 'Ana Lima' }

      const { token, expiresAt } = await pinned.mint('standup', user)

      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' })
      expect(expiresAt).toEqual(new Date((issuedAt + 900) * 1000))
      expect(await pinned.verify(token)).toEqual({
        r: 'standup',
        u: 'Ana Lima',
        ud: user.id,
        iat: issuedAt,
        nbf: issuedAt,
        exp: issuedAt + 900,
      })
    })

    it('adds d only when a domain id is configured', async () => {
      const withDomain = createRoomTokens({ apiKey: API_KEY, ttlSeconds: 60, domainId: 'dom-42' })
      const user = { id: randomUUID(), name: 'Bo' }

      const withD = await withDomain.verify((await withDomain.mint('room-1', user)).token)
      const withoutD = await tokens.verify((await tokens.mint('room-1', user)).token)

      expect(withD.d).toBe('dom-42')
      expect(withD).toMatchObject({ r: 'room-1', u: 'Bo', ud: user.id })
      expect(withoutD).not.toHaveProperty('d')
    })

    it('expires ttlSeconds after now', async () => {
      const before = nowSeconds()
      const { token, expiresAt } = await tokens.mint('room-1', { id: randomUUID(), name: 'Cy' })
      const after = nowSeconds()
      const claims = await tokens.verify(token)

      expect(claims.exp * 1000).toBe(expiresAt.getTime())
      expect(claims.exp).toBeGreaterThanOrEqual(before + 3600)
      expect(claims.exp).toBeLessThanOrEqual(after + 3600)
    })
  })

  describe('tokens minted elsewhere with the same key', () => {
    it('accepts r, u, ud and exp without iat or nbf, passing extra claims through', async () => {
      const ud = randomUUID()
      const token = await signed({ r: 'standup', u: 'Dee', ud, exp: nowSeconds() + 60, o: true })

      expect(await tokens.verify(token)).toEqual({
        r: 'standup',
        u: 'Dee',
        ud,
        exp: expect.any(Number),
        o: true,
      })
    })
  })

  describe('verify rejects with 401', () => {
    it('a token signed with another key (invalid_token)', async () => {
      const forged = await signed(dailyClaims(), { key: new TextEncoder().encode('x'.repeat(40)) })
      await expectRejected(tokens.verify(forged), 'invalid_token')
    })

    it('a token from another createRoomTokens with another key (invalid_token)', async () => {
      const other = createRoomTokens({ apiKey: 'another-daily-api-key-987654321', ttlSeconds: 60 })
      const { token } = await other.mint('standup', { id: randomUUID(), name: 'Eve' })
      await expectRejected(tokens.verify(token), 'invalid_token')
    })

    it('an unsigned token with alg none (invalid_token)', async () => {
      const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(dailyClaims())}.`
      await expectRejected(tokens.verify(token), 'invalid_token')
    })

    it.each(['HS384', 'HS512'])(
      'a token signed %s with the right key (invalid_token)',
      async (alg) => {
        const token = await signed(dailyClaims(), { alg })
        await expectRejected(tokens.verify(token), 'invalid_token')
      },
    )

    it('a token whose payload was swapped after signing (invalid_token)', async () => {
      const [header, , signature] = (await signed(dailyClaims('standup'))).split('.')
      const tampered = `${header}.${base64url(dailyClaims('boardroom'))}.${signature}`
      await expectRejected(tokens.verify(tampered), 'invalid_token')
    })

    it('an expired token (token_expired)', async () => {
      const token = await signed({
        ...dailyClaims(),
        iat: nowSeconds() - 7200,
        exp: nowSeconds() - 3600,
      })
      await expectRejected(tokens.verify(token), 'token_expired')
    })

    it('a token minted long ago by createRoomTokens itself (token_expired)', async () => {
      const past = new Date(Date.now() - 2 * 3600 * 1000)
      const old = createRoomTokens({ apiKey: API_KEY, ttlSeconds: 3600, now: () => past })
      const { token } = await old.mint('standup', { id: randomUUID(), name: 'Ana' })
      await expectRejected(tokens.verify(token), 'token_expired')
    })

    it('a token whose nbf is in the future (token_not_yet_valid)', async () => {
      const token = await signed({ ...dailyClaims(), nbf: nowSeconds() + 600 })
      await expectRejected(tokens.verify(token), 'token_not_yet_valid')
    })

    it('a token without exp (invalid_token)', async () => {
      const { exp: _exp, ...claims } = dailyClaims()
      await expectRejected(tokens.verify(await signed(claims)), 'invalid_token')
    })

    it('a token whose exp is not a number (invalid_token)', async () => {
      const token = await signed({ ...dailyClaims(), exp: 'never' as unknown as number })
      await expectRejected(tokens.verify(token), 'invalid_token')
    })

    it.each(['r', 'u', 'ud'])('a token without the %s claim (invalid_token)', async (claim) => {
      const claims: JWTPayload = dailyClaims()
      delete claims[claim]
      await expectRejected(tokens.verify(await signed(claims)), 'invalid_token')
    })

    it.each([
      ['r is not a room name', { r: 'has space' }],
      ['r is a number', { r: 42 }],
      ['u is blank', { u: '   ' }],
      ['u is 65 characters', { u: 'a'.repeat(65) }],
      ['u has a control character', { u: 'Ana\u0007' }],
      ['ud is empty', { ud: '' }],
    ])('a token whose %s (invalid_token)', async (_label, override) => {
      await expectRejected(
        tokens.verify(await signed({ ...dailyClaims(), ...override })),
        'invalid_token',
      )
    })

    it.each([
      ['garbage', 'not a token at all'],
      ['an empty string', ''],
      ['three dots of nothing', '..'],
      ['three segments of junk', 'abc.def.ghi'],
    ])('%s (invalid_token)', async (_label, token) => {
      await expectRejected(tokens.verify(token), 'invalid_token')
    })
  })

  describe('clock tolerance of 5 s', () => {
    const minted = new Date('2031-01-01T00:00:00.000Z')
    const at = (secondsAfterMint: number) =>
      createRoomTokens({
        apiKey: API_KEY,
        ttlSeconds: 60,
        now: () => new Date(minted.getTime() + secondsAfterMint * 1000),
      })
    const mintAtStart = async () =>
      (await at(0).mint('standup', { id: randomUUID(), name: 'Ana' })).token

    it('still accepts a token that expired 3 s ago', async () => {
      const claims = await at(63).verify(await mintAtStart())
      expect(claims.r).toBe('standup')
    })

    it('rejects a token that expired 6 s ago (token_expired)', async () => {
      await expectRejected(at(66).verify(await mintAtStart()), 'token_expired')
    })

    it('accepts a token whose nbf is 3 s ahead, refuses one 10 s ahead', async () => {
      const token = await mintAtStart()
      expect((await at(-3).verify(token)).r).toBe('standup')
      await expectRejected(at(-10).verify(token), 'token_not_yet_valid')
    })

    it('applies the same tolerance to tokens minted elsewhere', async () => {
      const lately = await signed({ ...dailyClaims(), exp: nowSeconds() - 2 })
      const longAgo = await signed({ ...dailyClaims(), exp: nowSeconds() - 20 })
      expect((await tokens.verify(lately)).r).toBe('standup')
      await expectRejected(tokens.verify(longAgo), 'token_expired')
    })
  })

  describe('tokens already verified (remembered until they expire)', () => {
    const minted = new Date('2031-01-01T00:00:00.000Z')
    let seconds = 0
    const clocked = createRoomTokens({
      apiKey: API_KEY,
      ttlSeconds: 60,
      now: () => new Date(minted.getTime() + seconds * 1000),
    })

    it('answers the same claims again, and token_expired once the token expires', async () => {
      seconds = 0
      const { token } = await clocked.mint('standup', { id: 'u-1', name: 'Ana' })
      const first = await clocked.verify(token)
      seconds = 64
      expect(await clocked.verify(token)).toEqual(first)
      seconds = 66
      await expectRejected(clocked.verify(token), 'token_expired')
    })

    it('still refuses a changed copy of a token that verified', async () => {
      seconds = 0
      const { token } = await clocked.mint('standup', { id: 'u-2', name: 'Ana' })
      await clocked.verify(token)
      const [header, , signature] = token.split('.')
      const swapped = `${header}.${base64url({ ...dailyClaims('other'), exp: 1_924_992_060 })}.${signature}`
      await expectRejected(clocked.verify(swapped), 'invalid_token')
    })
  })
})

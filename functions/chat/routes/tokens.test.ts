import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom } from '../../../test/chat-harness.ts'
import { newMessageId, tokenResponseSchema } from '../../_shared/protocol.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ORIGIN = 'https://app.example'

describe('POST /rooms/:room/tokens', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  const join = (room: string, body: unknown, headers: Record<string, string> = {}) =>
    chat.call('POST', `/rooms/${encodeURIComponent(room)}/tokens`, { body, headers })

  describe('success', () => {
    it('answers 201 with a token, its expiry and the new user (name trimmed)', async () => {
      const room = uniqueRoom()
      const before = Date.now()
      const response = await join(room, { userName: '  Ana Lima \n' })
      const after = Date.now()

      expect(response.status).toBe(201)
      const json = await response.json()
      expect(Object.keys(json).sort()).toEqual(['expiresAt', 'token', 'user'])
      const { token, expiresAt, user } = tokenResponseSchema.parse(json)
      expect(Object.keys(user).sort()).toEqual(['id', 'name'])
      expect(user.id).toMatch(UUID)
      expect(user.name).toBe('Ana Lima')
      expect(new Date(expiresAt).toISOString()).toBe(expiresAt)
      const expiresMs = Date.parse(expiresAt)
      expect(expiresMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000)
      expect(expiresMs).toBeLessThanOrEqual(after + 3600_000)

      const claims = await chat.deps.tokens.verify(token)
      expect(claims).toMatchObject({ r: room, u: 'Ana Lima', ud: user.id })
      expect(claims.exp * 1000).toBe(expiresMs)
    })

    it('issues a token that admits its holder to the room as that user', async () => {
      const room = uniqueRoom()
      const { token, user } = tokenResponseSchema.parse(
        await (await join(room, { userName: 'Bo' })).json(),
      )
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: newMessageId(user.id), body: 'hello' },
      })
      expect(response.status).toBe(201)
      expect((await response.json()).sender).toEqual(user)
    })

    it('gives every join a new user id, even under the same name', async () => {
      const room = uniqueRoom()
      const first = await (await join(room, { userName: 'Ana' })).json()
      const second = await (await join(room, { userName: 'Ana' })).json()
      expect(first.user.id).not.toBe(second.user.id)
    })

    it.each([
      ['a 128-character room name', 'r'.repeat(128), 'Ana'],
      ['a name of 64 characters', uniqueRoom(), 'n'.repeat(64)],
      ['a name of a letter and 63 emoji (code points)', uniqueRoom(), `A${'😀'.repeat(63)}`],
      ['a name with accents and inner spaces', uniqueRoom(), 'Zoë de la Crème'],
    ])('accepts %s', async (_label, room, userName) => {
      const response = await join(room, { userName })
      expect(response.status).toBe(201)
      const { user, token } = tokenResponseSchema.parse(await response.json())
      expect(user.name).toBe(userName)
      expect((await chat.deps.tokens.verify(token)).r).toBe(room)
    })
  })

  describe('400 invalid_room', () => {
    it.each(['has space', 'a'.repeat(129), 'dots.not.allowed', 'émile', 'semi;colon'])(
      'for room %j',
      async (room) => {
        await expectError(await join(room, { userName: 'Ana' }), 400, 'invalid_room')
      },
    )
  })

  describe('400 for the name', () => {
    it.each([
      ['empty', { userName: '' }],
      ['whitespace only', { userName: ' \t\n ' }],
      ['65 characters', { userName: 'a'.repeat(65) }],
      ['65 emoji', { userName: '😀'.repeat(65) }],
      ['a bell control character', { userName: 'Ana\u0007' }],
      ['a NUL character', { userName: 'A\u0000na' }],
      ['an escape sequence', { userName: '\u001b[31mAna' }],
      ['a bidi override', { userName: 'Ana\u202Egpj.exe' }],
      ['a bidi isolate', { userName: '\u2066Ana' }],
      ['a lone surrogate', { userName: 'Ana\uDC00' }],
      ['only a zero-width space', { userName: '\u200B\u200B' }],
      ['a number', { userName: 42 }],
      ['null', { userName: null }],
      ['an array', { userName: ['Ana'] }],
      ['an object', { userName: { first: 'Ana' } }],
      ['missing', {}],
    ])('%s: invalid_input naming userName', async (_label, body) => {
      const error = await expectError(await join(uniqueRoom(), body), 400, 'invalid_input')
      expect(error.fields).toEqual({ userName: [expect.stringMatching(/\S/)] })
    })

    it('refuses extra fields, naming them', async () => {
      const body = { userName: 'Ana', id: 'someone-else', role: 'host' }
      const error = await expectError(await join(uniqueRoom(), body), 400, 'invalid_input')
      expect(error.fields).toEqual({
        id: ['This field is not allowed.'],
        role: ['This field is not allowed.'],
      })
    })

    it.each([
      ['an array', '[]'],
      ['a string', '"Ana"'],
      ['null', 'null'],
      ['a number', '7'],
    ])('refuses a body that is %s', async (_label, raw) => {
      const error = await expectError(await join(uniqueRoom(), raw), 400, 'invalid_input')
      expect(error.fields).toEqual({ _: [expect.stringMatching(/\S/)] })
    })

    it.each([
      ['malformed JSON', '{"userName": "Ana"'],
      ['an empty body', ''],
      ['no body at all', undefined],
      ['a form encoding', 'userName=Ana'],
    ])('answers invalid_json without fields for %s', async (_label, raw) => {
      const error = await expectError(await join(uniqueRoom(), raw), 400, 'invalid_json')
      expect(error.fields).toBeUndefined()
    })
  })

  describe('with open rooms switched off', () => {
    const closed = createChatHarness({ openRooms: false })
    afterAll(() => closed.close())

    it('answers 403 open_rooms_disabled', async () => {
      const response = await closed.call('POST', `/rooms/${uniqueRoom()}/tokens`, {
        body: { userName: 'Ana' },
      })
      const error = await expectError(response, 403, 'open_rooms_disabled')
      expect(error.fields).toBeUndefined()
    })
  })

  describe('CORS', () => {
    it('answers a preflight with 204 and the allowed methods and headers', async () => {
      const response = await chat.call('OPTIONS', `/rooms/${uniqueRoom()}/tokens`, {
        headers: {
          Origin: ORIGIN,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type',
        },
      })
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      const allowHeaders = (response.headers.get('access-control-allow-headers') ?? '')
        .toLowerCase()
        .split(/\s*,\s*/)
      expect(allowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']))
      expect(response.headers.get('access-control-allow-methods')).toMatch(/\bPOST\b/)
    })

    it('answers a preflight for the token-protected messages path without a token', async () => {
      const response = await chat.call('OPTIONS', `/rooms/${uniqueRoom()}/messages`, {
        headers: {
          Origin: ORIGIN,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
      })
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('access-control-allow-methods')).toMatch(/\bGET\b/)
    })

    it('puts the CORS headers on success and on error responses alike', async () => {
      const ok = await join(uniqueRoom(), { userName: 'Ana' }, { Origin: ORIGIN })
      const bad = await join(uniqueRoom(), { userName: '' }, { Origin: ORIGIN })

      const unauthorized = await chat.call('GET', `/rooms/${uniqueRoom()}/messages`, {
        headers: { Origin: ORIGIN },
      })

      expect(ok.status).toBe(201)
      expect(ok.headers.get('access-control-allow-origin')).toBe('*')
      await expectError(bad, 400, 'invalid_input')
      expect(bad.headers.get('access-control-allow-origin')).toBe('*')
      await expectError(unauthorized, 401, 'missing_token')
      expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*')
      expect(unauthorized.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i)
    })

    describe('with a list of allowed origins', () => {
      const strict = createChatHarness({ allowedOrigins: [ORIGIN] })
      afterAll(() => strict.close())

      it('echoes an allowed origin and names no origin for any other', async () => {
        const call = (origin: string) =>
          strict.call('POST', `/rooms/${uniqueRoom()}/tokens`, {
            body: { userName: 'Ana' },
            headers: { Origin: origin },
          })
        const allowed = await call(ORIGIN)
        const other = await call('https://evil.example')

        expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN)
        expect(allowed.headers.get('vary')).toMatch(/\bOrigin\b/)
        expect(other.headers.get('access-control-allow-origin')).toBeNull()
      })
    })
  })

  describe('unknown addresses', () => {
    it.each([
      ['GET', '/nothing-here'],
      ['POST', '/rooms'],
      ['POST', '/rooms/standup/tokens/extra'],
    ])('%s %s answers 404 not_found as JSON', async (method, path) => {
      const response = await chat.call(method, path, { headers: { Origin: ORIGIN } })
      await expectError(response, 404, 'not_found')
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
    })

    it('answers another method on the tokens address with 405 and the methods it takes', async () => {
      const response = await chat.call('GET', '/rooms/standup/tokens', {
        headers: { Origin: ORIGIN },
      })
      await expectError(response, 405, 'method_not_allowed')
      expect(response.headers.get('allow')).toBe('OPTIONS, POST')
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
    })
  })
})

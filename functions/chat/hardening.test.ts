// The function's edges, played as an attacker in process: oversized and short bodies, addresses
// and methods that do not exist, forged claims, misleading names and line breaks.
import { SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  TEST_API_KEY,
  uniqueRoom,
} from '../../test/chat-harness.ts'
import { MAX_REQUEST_BYTES, newMessageId } from '../_shared/protocol.ts'

const HUGE = 120 * 1024 * 1024
const MESSAGE_ID = '0b5c3e2a-9d41-8f6e-a1b2-c3d4e5f60718'

/** A body of `total` bytes made as it is read, never held whole; `pulled()` says how much was. */
function generatedBody(total: number, chunkSize = 64 * 1024) {
  const chunk = new Uint8Array(chunkSize).fill(0x20)
  let pulled = 0
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close()
        const size = Math.min(chunk.byteLength, total - pulled)
        pulled += size
        controller.enqueue(chunk.subarray(0, size))
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, pulled: () => pulled }
}

/** A body that sends `bytes` and then nothing more, without ever ending. */
const stalledBody = (bytes: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(bytes))
    },
  })

describe('the chat function at its edges', () => {
  const chat = createChatHarness({ bodyTimeoutMs: 200 })
  afterAll(() => chat.close())

  const request = (method: string, path: string, init: RequestInit & { duplex?: 'half' } = {}) =>
    chat.app.request(`/chat${path}`, { method, ...init })

  describe('request bodies (at most 64 KiB)', () => {
    const routes = [
      ['POST', '/rooms/x/tokens'],
      ['POST', '/rooms/x/uploads'],
      ['POST', '/rooms/x/attachments/sign'],
      ['POST', '/rooms/x/messages'],
      ['PATCH', `/rooms/x/messages/${MESSAGE_ID}`],
      ['DELETE', `/rooms/x/messages/${MESSAGE_ID}`],
    ]

    it.each(routes)(
      '%s %s refuses 120 MB with a Content-Length at once, unread',
      async (method, path) => {
        const body = generatedBody(HUGE)
        // No clock: pulled() shows the body was left unread, and a hang fails on the timeout.
        const response = await request(method, path, {
          body: body.stream,
          duplex: 'half',
          headers: { 'Content-Length': String(HUGE) },
        })
        const error = await expectError(response, 413, 'payload_too_large')
        expect(error.message).toContain('64 KiB')
        expect(response.headers.get('connection')).toBe('close')
        expect(body.pulled()).toBeLessThan(1024 * 1024)
      },
    )

    it.each(routes)(
      '%s %s refuses 120 MB streamed as soon as it passes 64 KiB',
      async (method, path) => {
        const body = generatedBody(HUGE)
        // No clock: pulled() shows the rest was left unread, and a hang fails on the timeout.
        const response = await request(method, path, { body: body.stream, duplex: 'half' })
        await expectError(response, 413, 'payload_too_large')
        expect(body.pulled()).toBeLessThan(1024 * 1024)
      },
    )

    it.each([
      ['with a Content-Length', true],
      ['streamed', false],
    ])(
      'lets exactly 64 KiB through to the route and refuses one byte more, %s',
      async (_label, declared) => {
        const send = (size: number) => {
          // Valid JSON of exactly `size` bytes: the route then answers for its content.
          const text = `{"userName":"Ana"}`.padEnd(size, ' ')
          const body = declared ? text : generatedBodyOf(text)
          return request('POST', `/rooms/${uniqueRoom()}/tokens`, {
            body,
            duplex: 'half',
            headers: declared ? { 'Content-Length': String(size) } : {},
          })
        }
        expect((await send(MAX_REQUEST_BYTES)).status).toBe(201)
        await expectError(await send(MAX_REQUEST_BYTES + 1), 413, 'payload_too_large')
      },
    )

    it('answers a body shorter than its Content-Length with 400 incomplete_body', async () => {
      const started = performance.now()
      const response = await request('POST', '/rooms/x/tokens', {
        body: stalledBody('{"userName"'),
        duplex: 'half',
        headers: { 'Content-Length': '100' },
      })
      const ms = performance.now() - started
      const error = await expectError(response, 400, 'incomplete_body')
      expect(error.message).toContain('ended before its declared length')
      expect(response.headers.get('connection')).toBe('close')
      // It waited for the rest (the body timeout, 200 ms here) before answering: a lower bound,
      // which a slow machine cannot break. A hang fails on the test's timeout.
      expect(ms).toBeGreaterThanOrEqual(190)
    })

    it('answers a streamed body that stops arriving with 400 incomplete_body', async () => {
      const token = await chat.tokenFor('x')
      const response = await request('POST', '/rooms/x/messages', {
        body: stalledBody('{"id": "'),
        duplex: 'half',
        headers: { Authorization: `Bearer ${token}` },
      })
      await expectError(response, 400, 'incomplete_body')
    })

    it.each<[string, BodyInit]>([
      ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x22, 0x7d])],
      ['64 KiB of nested arrays', '['.repeat(32_000) + ']'.repeat(32_000)],
      ['a __proto__ key', '{"__proto__": {"admin": true}, "userName": "Ana"}'],
      ['a lone surrogate escape', '{"userName": "\\ud800"}'],
      ['a number far too large', '{"userName": 1e999}'],
    ])('answers %s with a 4xx, never a 5xx', async (_label, body) => {
      const response = await request('POST', `/rooms/${uniqueRoom()}/tokens`, { body })
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.status).toBeLessThan(500)
      expect(Object.keys(await response.json())).toEqual(['error'])
    })
  })

  describe('addresses and methods', () => {
    it.each([
      ['GET', '/nothing-here'],
      ['POST', '/rooms'],
      ['GET', '/rooms/x/messages/extra/parts'],
      ['DELETE', '/health/'],
    ])('%s %s is a JSON 404 with CORS headers', async (method, path) => {
      const response = await request(method, path, { headers: { Origin: 'https://app.example' } })
      await expectError(response, 404, 'not_found')
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
    })

    it.each([
      ['PUT', '/rooms/x/messages', 'GET, HEAD, OPTIONS, POST'],
      ['DELETE', '/rooms/x/messages', 'GET, HEAD, OPTIONS, POST'],
      ['POST', `/rooms/x/messages/${MESSAGE_ID}`, 'DELETE, GET, HEAD, OPTIONS, PATCH'],
      ['GET', '/rooms/x/tokens', 'OPTIONS, POST'],
      ['POST', '/health', 'GET, HEAD, OPTIONS'],
      ['PATCH', '/rooms/x/transcript', 'GET, HEAD, OPTIONS'],
    ])(
      '%s %s is a JSON 405 with Allow: %s, before any token is asked for',
      async (method, path, allow) => {
        const response = await request(method, path, { headers: { Origin: 'https://app.example' } })
        expect(response.headers.get('allow')).toBe(allow)
        const error = await expectError(response, 405, 'method_not_allowed')
        expect(error.message).toContain(method)
        expect(response.headers.get('access-control-allow-origin')).toBe('*')
      },
    )

    it('still answers HEAD from a GET route and preflights from CORS', async () => {
      expect((await request('HEAD', '/health')).status).toBe(200)
      const preflight = await request('OPTIONS', '/rooms/x/messages', {
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
      })
      expect(preflight.status).toBe(204)
    })
  })

  describe('token claims with control characters', () => {
    const key = new TextEncoder().encode(TEST_API_KEY)
    const sign = (claims: Record<string, unknown>) => {
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key)
    }

    it.each([
      ['a NUL in the user id', { u: 'Mallory', ud: 'a\u0000b' }, 'user id (ud)'],
      ['an escape in the user id', { u: 'Mallory', ud: '\u001b[2J' }, 'user id (ud)'],
      ['a lone surrogate in the user id', { u: 'Mallory', ud: 'x\uD800' }, 'user id (ud)'],
      ['a bidi override in the user id', { u: 'Mallory', ud: 'abc\u202E' }, 'user id (ud)'],
      ['a NUL in the user name', { u: 'Mal\u0000lory', ud: 'mallory' }, 'user name (u)'],
      ['the reserved name', { u: 'Room', ud: 'mallory' }, 'user name (u)'],
    ])(
      'answers a token with %s with 401 invalid_token, writing nothing',
      async (_label, claims, named) => {
        const room = uniqueRoom('claims')
        const token = await sign({ r: room, ...claims })
        const response = await chat.call('POST', `/rooms/${room}/messages`, {
          token,
          // An id of this very user, so that only the claim itself can be refused.
          body: { id: newMessageId(claims.ud), body: 'hi' },
        })
        const error = await expectError(response, 401, 'invalid_token')
        expect(error.message).toContain(named)
        const [row] = await chat.sql<{ n: number }[]>`
        select count(*)::int as n from chat.messages where room = ${room}`
        expect(row?.n).toBe(0)
      },
    )
  })

  describe('names people choose', () => {
    const join = (userName: unknown) =>
      chat.call('POST', `/rooms/${uniqueRoom('names')}/tokens`, { body: { userName } })

    it.each([
      ['Room', /"Room"/],
      ['room', /"Room"/],
      ['  ROOM \u200B', /"Room"/],
      ['R\u200Boom', /"Room"/],
      ['\uFF32\uFF4F\uFF4F\uFF4D', /"Room"/],
      ['\u3164', /blank/],
      ['\u115F\u1160', /blank/],
      ['\uFFA0', /blank/],
      ['\u2800\u2800', /blank/],
      ['\u200B', /blank/],
      ['\u200B\u200C\u200D\u2060\uFEFF', /blank/],
      ['\u200E\u200F\u061C', /blank/],
      ['   ', /Enter your name/],
    ])('refuses %j with 400 and a message for the name field', async (name, message) => {
      const error = await expectError(await join(name), 400, 'invalid_input')
      expect(error.fields).toEqual({ userName: [expect.stringMatching(message)] })
    })

    it.each([
      ['Ana\u200B', 'Ana'],
      ['Ana\u200E', 'Ana'],
      ['\u200FAna\u061C', 'Ana'],
      ['\u3164Ana\u3164', 'Ana'],
      ['\uFEFF Ana \u2800', 'Ana'],
      ['Ana ❤️', 'Ana ❤️'],
      ['Roomy', 'Roomy'],
      ['Room 2', 'Room 2'],
    ])('takes %j as %j', async (sent, kept) => {
      const response = await join(sent)
      expect(response.status).toBe(201)
      expect((await response.json()).user.name).toBe(kept)
    })

    it('refuses a 60,000-character name by its length alone', async () => {
      const error = await expectError(await join('a'.repeat(60_000)), 400, 'invalid_input')
      expect(error.fields).toEqual({ userName: ['Names are at most 64 characters.'] })
    })
  })

  describe('line breaks in messages', () => {
    async function member() {
      const room = uniqueRoom('lines')
      const token = await chat.tokenFor(room)
      return { room, token }
    }
    const storedBody = async (id: string) => {
      const [row] = await chat.sql<{ body: string }[]>`
        select body from chat.messages where id = ${id}::uuid`
      return row?.body
    }

    it('stores CRLF and lone CR as \\n, so no line of a transcript can be forged', async () => {
      const { room, token } = await member()
      const id = chat.newIdFor(token)
      const sent = 'one\r\ntwo\rthree\r\r\nfour'
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id, body: sent },
      })
      expect(response.status).toBe(201)
      expect((await response.json()).body).toBe('one\ntwo\nthree\n\nfour')
      expect(await storedBody(id)).toBe('one\ntwo\nthree\n\nfour')
    })

    it('stores an edit with carriage returns the same way', async () => {
      const { room, token } = await member()
      const id = chat.newIdFor(token)
      await chat.call('POST', `/rooms/${room}/messages`, { token, body: { id, body: 'first' } })
      const edited = await chat.call('PATCH', `/rooms/${room}/messages/${id}`, {
        token,
        body: { body: 'a\rb\r\nc' },
      })
      expect(edited.status).toBe(200)
      expect(await storedBody(id)).toBe('a\nb\nc')
    })

    it('refuses a 16,001-character body by its length alone', async () => {
      const { room, token } = await member()
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), body: '\u200B'.repeat(16_001) },
      })
      const error = await expectError(response, 400, 'invalid_input')
      expect(error.fields).toEqual({ body: ['Messages are at most 4,000 characters.'] })
    })

    it('refuses a file name of 2,000 characters by its length alone', async () => {
      const { room, token } = await member()
      const response = await chat.call('POST', `/rooms/${room}/uploads`, {
        token,
        body: { name: `${'a'.repeat(2000)}.png`, type: 'image/png', size: 10 },
      })
      const error = await expectError(response, 400, 'invalid_input')
      expect(error.fields).toEqual({ name: ['File names are at most 255 characters.'] })
    })
  })
})

/** `text` as a stream without a declared length, in 1 KiB pieces. */
function generatedBodyOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close()
      controller.enqueue(bytes.subarray(offset, offset + 1024))
      offset += 1024
    },
  })
}

// The function as Supabase runs it: Deno, with deno.json as its import map.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { TEST_API_KEY, uniqueRoom } from '../../test/chat-harness.ts'
import { type DenoFunction, startDenoFunction } from '../../test/deno-function.ts'
import { expectShortBodyRefused, sendHugeBody } from '../../test/raw-http.ts'
import { newMessageId } from '../_shared/protocol.ts'

const here = import.meta.dirname

describe('the chat function on Deno', () => {
  let deno: DenoFunction
  let baseUrl: string

  beforeAll(async () => {
    deno = await startDenoFunction({
      SUPABASE_DB_URL: inject('databaseUrl'),
      DAILY_API_KEY: TEST_API_KEY,
      // Short, so that the test of a body that stops short does not wait 10 s.
      CHAT_BODY_TIMEOUT_MS: '200',
      // Token quotas count per client address in the shared test database, where every
      // browser test's people (all from 127.0.0.1) are counted too.
      CHAT_TOKEN_QUOTA: '100000/60',
    })
    baseUrl = deno.url
  }, 120_000)

  afterAll(() => deno?.stop())

  it('answers /health from the database', async () => {
    const response = await fetch(`${baseUrl}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('issues a token, stores a message and returns it in history', async () => {
    const room = uniqueRoom('deno')
    const joined = await fetch(`${baseUrl}/rooms/${room}/tokens`, {
      method: 'POST',
      body: JSON.stringify({ userName: 'Dina' }),
    })
    expect(joined.status).toBe(201)
    const { token, user } = await joined.json()
    const auth = { Authorization: `Bearer ${token}` }

    const id = newMessageId(user.id)
    const written = await fetch(`${baseUrl}/rooms/${room}/messages`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ id, body: 'Hello from Deno' }),
    })
    expect(written.status).toBe(201)
    expect(await written.json()).toMatchObject({
      id,
      body: 'Hello from Deno',
      sender: { name: 'Dina' },
    })

    const history = await fetch(`${baseUrl}/rooms/${room}/messages`, { headers: auth })
    expect((await history.json()).messages.map((m: { id: string }) => m.id)).toEqual([id])
  })

  describe('a 120 MB body, sent without any token', () => {
    const HUGE = 120 * 1024 * 1024
    it.each([
      ['with its Content-Length', true],
      ['streamed (chunked)', false],
    ])(
      'is refused with 413 before it is all sent %s, and the function lives on',
      async (_label, declareLength) => {
        for (const route of ['/rooms/x/tokens', '/rooms/x/messages']) {
          const answer = await sendHugeBody(`${baseUrl}${route}`, {
            totalBytes: HUGE,
            declareLength,
          })
          expect(answer.status).toBe(413)
          expect(answer.json).toEqual({
            error: {
              code: 'payload_too_large',
              message: expect.stringContaining('64 KiB'),
              requestId: answer.headers['x-request-id'],
            },
          })
          // No clock: a hang fails on the test's timeout; what is sent tells how soon it answered.
          // Answered long before the body was all sent (how much loopback carries meanwhile varies).
          expect(answer.sentBytes).toBeLessThan(HUGE)
        }
        const health = await fetch(`${baseUrl}/health`)
        expect(health.status).toBe(200)
        expect(deno.exitCode).toBeNull()
      },
    )
  })

  it('takes a small body streamed without a length like any other', async () => {
    const room = uniqueRoom('streamed')
    const bytes = new TextEncoder().encode(JSON.stringify({ userName: 'Stream' }))
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5))
        controller.enqueue(bytes.subarray(5))
        controller.close()
      },
    })
    const response = await fetch(`${baseUrl}/rooms/${room}/tokens`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(201)
    expect((await response.json()).user.name).toBe('Stream')
  })

  it('answers a body shorter than its Content-Length with 400 and lets go of the socket', async () => {
    await expectShortBodyRefused(`${baseUrl}/rooms/x/tokens`)
  })

  it('answers a token whose user id holds a NUL with 401, not 500', async () => {
    const room = uniqueRoom('deno')
    const key = new TextEncoder().encode(TEST_API_KEY)
    const now = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({ r: room, u: 'Mallory', ud: 'a\u0000b' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key)
    const response = await fetch(`${baseUrl}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      // An id of this very user, so that only the user id itself can be refused.
      body: JSON.stringify({ id: newMessageId('a\u0000b'), body: 'hi' }),
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      error: {
        code: 'invalid_token',
        message: expect.stringContaining('user id (ud)'),
        requestId: response.headers.get('X-Request-Id'),
      },
    })
  })
})

describe('deno.json', () => {
  it('pins the same package versions as package.json', () => {
    const read = (file: string) => JSON.parse(readFileSync(path.resolve(here, file), 'utf8'))
    const { dependencies } = read('../../package.json')
    for (const [name, specifier] of Object.entries<string>(read('deno.json').imports)) {
      const [, pkg, version] = /^npm:\/?(@?[^@]+)@([^/]+)\/?$/.exec(specifier) ?? []
      expect(pkg && version, specifier).toBeTruthy()
      expect(`${pkg}@${version}`, `deno.json "${name}"`).toBe(
        `${pkg}@${dependencies[pkg as string]}`,
      )
    }
  })
})

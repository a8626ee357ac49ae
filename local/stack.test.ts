// The local stack over a real socket, as an attacker reaches it: oversized and short bodies,
// headers that never end, addresses that do not exist; and the headers its pages carry.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import WebSocket from 'ws'
import { newMessageId, tokenResponseSchema } from '../functions/_shared/protocol.ts'
import { RELAY_PATH } from '../functions/_shared/relay-protocol.ts'
import { expectError, uniqueRoom } from '../test/chat-harness.ts'
import { expectShortBodyRefused, sendHeadersThatNeverEnd, sendHugeBody } from '../test/raw-http.ts'
import { PERMISSIONS_POLICY } from '../web/security-headers.ts'
import { type LocalStack, startLocalStack } from './stack.ts'

const HUGE = 120 * 1024 * 1024
const HEADERS_TIMEOUT_MS = 1_000
const MESSAGE_ID = '0b5c3e2a-9d41-8f6e-a1b2-c3d4e5f60718'

describe('the local stack at its edges', () => {
  let dataDir: string
  let stack: LocalStack
  let base: string

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'backchannel-stack-'))
    stack = await startLocalStack({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      // 15 s in use; shortened so that waiting it out is quick.
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      // The token quota counts per client address in the shared test database, where the browser
      // tests' people (all from 127.0.0.1) are counted too: raised, as there.
      env: {
        DATABASE_URL: inject('databaseUrl'),
        CHAT_BODY_TIMEOUT_MS: '200',
        CHAT_TOKEN_QUOTA: '100000/60',
      },
    })
    // The printed URL says localhost; the socket listens on 127.0.0.1 only.
    base = `http://127.0.0.1:${new URL(stack.url).port}`
  })

  afterAll(async () => {
    await stack?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  describe('a 120 MB body, sent without any token', () => {
    it.each([
      ['POST', '/rooms/x/tokens'],
      ['POST', '/rooms/x/uploads'],
      ['POST', '/rooms/x/attachments/sign'],
      ['POST', '/rooms/x/messages'],
      ['PATCH', `/rooms/x/messages/${MESSAGE_ID}`],
    ])(
      '%s %s answers 413 before the body is all sent, with a length or streamed',
      async (method, route) => {
        for (const declareLength of [true, false]) {
          const answer = await sendHugeBody(`${base}/functions/v1/chat${route}`, {
            method,
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
          // Refused long before the body was in: the connection is closed, not drained.
          // Answered long before the body was all sent (how much loopback carries meanwhile varies).
          expect(answer.sentBytes).toBeLessThan(HUGE)
          expect(answer.headers.connection).toBe('close')
        }
        expect((await fetch(`${base}/functions/v1/chat/health`)).status).toBe(200)
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
    const response = await fetch(`${base}/functions/v1/chat/rooms/${room}/tokens`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(201)
    expect((await response.json()).user.name).toBe('Stream')
  })

  it('answers a body shorter than its Content-Length with 400 and closes the socket', async () => {
    await expectShortBodyRefused(`${base}/functions/v1/chat/rooms/x/tokens`)
  })

  describe('addresses nobody answers', () => {
    it.each([
      '/functions/v1/chat/nothing-here',
      '/functions/v1/chat/rooms/x/messages/extra/parts',
      '/functions/v1/other-function',
      '/functions/nothing',
      '/storage/v1/nothing-here',
    ])('GET %s is a JSON 404, not the web app', async (address) => {
      await expectError(await fetch(`${base}${address}`), 404, 'not_found')
    })

    it.each([
      ['PUT', '/functions/v1/chat/rooms/x/messages', 'GET, HEAD, OPTIONS, POST'],
      ['DELETE', '/functions/v1/chat/health', 'GET, HEAD, OPTIONS'],
      ['GET', '/functions/v1/chat/rooms/x/tokens', 'OPTIONS, POST'],
    ])('%s %s is a JSON 405 naming the allowed methods', async (method, address, allow) => {
      const response = await fetch(`${base}${address}`, { method })
      expect(response.headers.get('allow')).toBe(allow)
      await expectError(response, 405, 'method_not_allowed')
    })

    it('still serves the web app at its own client-side routes', async () => {
      const response = await fetch(`${base}/standup`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    })
  })

  describe('a connection whose request headers never end', () => {
    it.each([
      ['sends nothing at all', ''],
      [
        'stops in the middle of a header',
        'GET /functions/v1/chat/health HTTP/1.1\r\nHost: x\r\nX-Sl',
      ],
    ])('is answered 408 and closed once the header limit passes, when it %s', async (_, text) => {
      const dropped = await sendHeadersThatNeverEnd(base, text)
      expect(dropped.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
      // Not before the limit; and not at Node's default check 30 s later: half of that tells the
      // two apart with seconds to spare on a loaded machine (it measures no speed).
      expect(dropped.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS)
      expect(dropped.ms).toBeLessThan(15_000)
    })
  })

  describe('headers', () => {
    const expectPageHeaders = (response: Response) => {
      expect(response.status).toBe(200)
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(response.headers.get('permissions-policy')).toBe(PERMISSIONS_POLICY)
    }

    it("send the page's policies with the web app's page and its assets", async () => {
      const page = await fetch(`${base}/?room=demo`)
      expectPageHeaders(page)
      const script = (await page.text()).match(/src="(\/assets\/[^"]+\.js)"/)?.[1]
      expect(script).toBeDefined()
      const asset = await fetch(`${base}${script}`)
      expectPageHeaders(asset)
      expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/)
    })

    it('let the page use the camera, microphone and screen sharing, and nothing else of note', async () => {
      const policy = new Map(
        (await fetch(`${base}/`)).headers
          .get('permissions-policy')
          ?.split(', ')
          .map((entry) => entry.split('=') as [string, string]),
      )
      for (const feature of ['camera', 'microphone', 'display-capture', 'autoplay'])
        expect(policy.get(feature), feature).toBe('(self)')
      for (const feature of ['geolocation', 'payment', 'usb', 'serial', 'hid', 'midi'])
        expect(policy.get(feature), feature).toBe('()')
    })

    it('carry what the function says live itself to everyone in the room, over the relay', async () => {
      const room = uniqueRoom('stack-live')
      const join = async (userName: string) => {
        const response = await fetch(`${base}/functions/v1/chat/rooms/${room}/tokens`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ userName }),
        })
        expect(response.status).toBe(201)
        return tokenResponseSchema.parse(await response.json())
      }
      const listener = await join('Ben')
      const socket = new WebSocket(`${base.replace(/^http/, 'ws')}${RELAY_PATH}`)
      const frames: { type: string; data?: unknown; fromId?: string }[] = []
      const arrived = (type: string) =>
        new Promise<void>((resolve) => {
          const look = () => {
            if (frames.some((frame) => frame.type === type)) resolve()
            else socket.addEventListener('message', look, { once: true })
          }
          look()
        })
      socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data))))
      socket.addEventListener('open', () =>
        socket.send(JSON.stringify({ type: 'hello', token: listener.token })),
      )
      await arrived('welcome')
      try {
        const asker = await join('Ana')
        const asked = await fetch(`${base}/functions/v1/chat/rooms/${room}/questions`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${asker.token}` },
          body: JSON.stringify({ id: newMessageId(asker.user.id), body: 'Is it live?' }),
        })
        expect(asked.status).toBe(201)
        await arrived('app-message')
        expect(frames.find((frame) => frame.type === 'app-message')).toEqual({
          type: 'app-message',
          fromId: 'API',
          data: {
            v: 1,
            type: 'questions',
            questions: [expect.objectContaining({ body: 'Is it live?', askerName: 'Ana' })],
          },
        })
      } finally {
        socket.close()
      }
    })

    it('mark API answers, errors included, nosniff', async () => {
      for (const address of ['/functions/v1/chat/health', '/functions/v1/chat/nothing-here']) {
        const response = await fetch(`${base}${address}`)
        expect(response.headers.get('x-content-type-options'), address).toBe('nosniff')
      }
      const refused = await fetch(`${base}/functions/v1/chat/rooms/x/tokens`, {
        method: 'POST',
        body: '{',
      })
      expect(refused.status).toBe(400)
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff')
    })
  })
})

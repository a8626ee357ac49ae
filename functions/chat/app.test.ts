import net from 'node:net'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { createChatHarness, expectError, uniqueRoom } from '../../test/chat-harness.ts'
import { createChatApp } from './app.ts'
import { createPostgresMessageStore } from './postgres-message-store.ts'

describe('the room routes', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  it('ask every route of a room for its token, except joining', async () => {
    const roomRoutes = chat.app.routes.filter(
      (route) => route.method !== 'ALL' && route.path.startsWith('/chat/rooms/:room/'),
    )
    // Read from the app itself, so a route added later is covered without touching this test.
    expect(roomRoutes.length).toBeGreaterThanOrEqual(9)
    const room = uniqueRoom('guarded')
    for (const { method, path } of roomRoutes) {
      const address = path
        .replace('/chat', '')
        .replace(':room', room)
        .replace(':id', chat.newIdFor(await chat.tokenFor(room)))
      const body = method === 'GET' ? undefined : { userName: 'Eve' }
      const response = await chat.call(method, address, { body })
      if (method === 'POST' && path === '/chat/rooms/:room/tokens') {
        expect(response.status, `${method} ${path}`).toBe(201)
      } else {
        await expectError(response, 401, 'missing_token')
      }
    }
  })

  it('tells browsers not to sniff any answer: a success, an error, an unknown address', async () => {
    const room = uniqueRoom('sniff')
    const token = await chat.tokenFor(room)
    const answers = [
      await chat.call('GET', `/rooms/${room}/messages`, { token }),
      await chat.call('GET', `/rooms/${room}/messages`),
      await chat.call('GET', '/nowhere'),
      await chat.call('GET', '/health'),
    ]
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 404, 200])
    for (const answer of answers)
      expect(answer.headers.get('X-Content-Type-Options')).toBe('nosniff')
  })
})

describe('the chat app when the database is down', () => {
  const chat = createChatHarness()
  // Port 1 on loopback: nothing listens there, so every connection is refused.
  const store = createPostgresMessageStore('postgres://nobody:nothing@127.0.0.1:1/none')
  const app = createChatApp({ ...chat.deps, store })
  afterAll(async () => {
    await store.close()
    await chat.close()
  })

  it('answers writes and reads with 503 and Retry-After, not a 500', async () => {
    const room = uniqueRoom()
    const token = await chat.tokenFor(room)
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
    const write = await app.request(`/chat/rooms/${room}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: chat.newIdFor(token), body: 'hello?' }),
    })
    expect(write.status).toBe(503)
    expect(write.headers.get('Retry-After')).toBe('5')
    expect(await write.json()).toMatchObject({ error: { code: 'database_unavailable' } })

    const read = await app.request(`/chat/rooms/${room}/messages`, { headers })
    expect(read.status).toBe(503)
    // Logged as an error with its code and what failed (a refused connection, or the gate that
    // has since seen the database down), once per answer.
    const requestId = read.headers.get('X-Request-Id')
    const errors = chat.logLines
      .map((line) => JSON.parse(line))
      .filter((line) => line.event === 'error' && line.requestId === requestId)
    expect(errors).toEqual([
      expect.objectContaining({
        route: '/chat/rooms/:room/messages',
        status: 503,
        code: 'database_unavailable',
        cause: expect.objectContaining({
          code: expect.stringMatching(/^(ECONNREFUSED|DATABASE_UNAVAILABLE)$/),
        }),
      }),
    ])
  })
})

/**
 * A TCP proxy on loopback to the test database that can freeze: while frozen it accepts
 * connections and bytes but forwards nothing, like a database stopped with SIGSTOP (or a stuck
 * pooler), and on thawing it delivers what it held. The shared test database keeps running.
 */
async function startFreezableProxy(databaseUrl: string) {
  const target = new URL(databaseUrl)
  const sockets = new Set<net.Socket>()
  let held: [net.Socket, Buffer][] | undefined
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk) => (held ? held.push([to, chunk]) : to.write(chunk)))
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      // One side gone (or reset): the other goes too, as on a real connection.
      socket.on('error', () => socket.destroy())
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    forward(client, upstream)
    forward(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  const proxied = new URL(databaseUrl)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(port)
  return {
    url: proxied.toString(),
    freeze() {
      held ??= []
    },
    thaw() {
      const waiting = held ?? []
      held = undefined
      for (const [to, chunk] of waiting) to.write(chunk)
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

describe('the chat app when the database freezes', () => {
  const chat = createChatHarness()
  let proxy: Awaited<ReturnType<typeof startFreezableProxy>>
  let store: ReturnType<typeof createPostgresMessageStore>
  let app: ReturnType<typeof createChatApp>
  // The store's deadline for every query, short here; 5 s by default (CHAT_DB_TIMEOUT_MS).
  const TIMEOUT_MS = 300

  beforeAll(async () => {
    proxy = await startFreezableProxy(inject('databaseUrl'))
    store = createPostgresMessageStore(proxy.url, { timeoutMs: TIMEOUT_MS })
    app = createChatApp({ ...chat.deps, store })
  })
  afterAll(async () => {
    proxy.thaw()
    await store.close()
    await proxy.close()
    await chat.close()
  })

  it('answers with 503 within the deadline while frozen, and works again once it thaws', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const room = uniqueRoom('frozen')
    const token = await chat.tokenFor(room)
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
    const send = (body: string) =>
      app.request(`/chat/rooms/${room}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: chat.newIdFor(token), body }),
      })
    const health = () => app.request('/chat/health')
    expect((await send('before')).status).toBe(201)

    proxy.freeze()
    for (const request of [
      () => send('while frozen'),
      () => app.request(`/chat/rooms/${room}/messages`, { headers }),
    ]) {
      // Answered at the store's deadline while the database is still frozen (waiting for it
      // to thaw would never end: it thaws only below).
      const response = await request()
      expect(response.status).toBe(503)
      expect(response.headers.get('Retry-After')).toBe('5')
      expect(await response.json()).toEqual({
        error: {
          code: 'database_unavailable',
          message: expect.stringContaining('Try again'),
          requestId: response.headers.get('X-Request-Id'),
        },
      })
    }
    const unhealthy = await health()
    expect(unhealthy.status).toBe(503)
    expect(await unhealthy.json()).toEqual({ ok: false })

    proxy.thaw()
    // What was held (the late queries, finishing on their own) drains first.
    await expect.poll(async () => (await health()).status, { timeout: 5000 }).toBe(200)
    const after = await send('after')
    expect(after.status).toBe(201)
    const history = await app.request(`/chat/rooms/${room}/messages`, { headers })
    const bodies = (await history.json()).messages.map((message: { body: string }) => message.body)
    expect(bodies).toContain('after')
    logged.mockRestore()
  })

  it('answers /health with 503 before the default 5 s deadline of the store runs out', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const slowStore = createPostgresMessageStore(proxy.url)
    const slowApp = createChatApp({ ...chat.deps, store: slowStore })
    expect((await slowApp.request('/chat/health')).status).toBe(200)
    proxy.freeze()
    try {
      // A query that waits for the store's own 5 s deadline, started first...
      let queryEnded = false
      const query = slowStore.latestSeq(uniqueRoom('frozen'), 'nobody').finally(() => {
        queryEnded = true
      })
      // ...is still waiting when the health check has answered (at its 2 s).
      const response = await slowApp.request('/chat/health')
      expect(queryEnded).toBe(false)
      expect(response.status).toBe(503)
      expect(response.headers.get('Retry-After')).toBe('5')
      await expect(query).rejects.toMatchObject({ code: 'DATABASE_TIMEOUT' })
    } finally {
      proxy.thaw()
      await slowStore.close()
      logged.mockRestore()
    }
  })
})

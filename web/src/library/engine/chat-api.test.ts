import { newMessageId, type StoredMessage } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { FakeClock } from '../../../test-support/fake-clock.ts'
import { ChatApiError, createChatApi, REQUEST_TIMEOUT_MS } from './chat-api.ts'
import { Outbox } from './outbox.ts'

const ROOM = 'standup'
const me = { id: 'user-me', name: 'Me' }

/** A chat function that takes each request and answers only when the test says so (or never). */
function fakeServer() {
  const requests: { url: string; init: RequestInit; answer: (response: Response) => void }[] = []
  const fetch = ((url: string, init: RequestInit = {}) =>
    new Promise<Response>((resolve) => {
      requests.push({ url, init, answer: resolve })
    })) as typeof globalThis.fetch
  return { fetch, requests }
}

const storedFrom = (body: { id: string; body: string }): StoredMessage => ({
  id: body.id,
  room: ROOM,
  sender: me,
  body: body.body,
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  seq: 1,
})

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('createChatApi', () => {
  it('gives up on a request that gets no answer, with a retryable timeout error', async () => {
    const clock = new FakeClock()
    const server = fakeServer()
    const api = createChatApi('/chat', { fetch: server.fetch, clock }).forRoom(ROOM, 'token')
    const loading = api.loadHistoryPage({})
    const outcome = loading.then(
      () => 'answered',
      (error: unknown) => error,
    )
    await settle()
    clock.advance(REQUEST_TIMEOUT_MS - 1)
    await settle()
    expect(await Promise.race([outcome, Promise.resolve('still waiting')])).toBe('still waiting')
    clock.advance(1)
    const error = await outcome
    expect(error).toBeInstanceOf(ChatApiError)
    expect(error).toMatchObject({ status: 0, code: 'timeout', retryable: true })
    expect((error as ChatApiError).message).toBe('The chat service did not answer within 15 s.')
    // The browser is told to stop waiting as well.
    expect(server.requests[0]?.init.signal?.aborted).toBe(true)
  })

  it('times out a body that stops arriving after the headers', async () => {
    const clock = new FakeClock()
    const server = fakeServer()
    const api = createChatApi('/chat', { fetch: server.fetch, clock }).forRoom(ROOM, 'token')
    const loading = api.loadMessage(newMessageId(me.id)).catch((error: unknown) => error)
    await settle()
    const neverEnds = new ReadableStream({ start: () => {} })
    server.requests[0]?.answer(new Response(neverEnds, { status: 200 }))
    await settle()
    clock.advance(REQUEST_TIMEOUT_MS)
    expect(await loading).toMatchObject({ status: 0, code: 'timeout' })
  })

  it('retries a write that timed out like any failed write, and stores it once', async () => {
    const clock = new FakeClock()
    const server = fakeServer()
    const api = createChatApi('/chat', { fetch: server.fetch, clock }).forRoom(ROOM, 'token')
    const changes: { state: string; error?: string; stored: boolean }[] = []
    const storage = new Map<string, string>()
    const outbox = new Outbox({
      storage: {
        getItem: (key) => storage.get(key) ?? null,
        setItem: (key, value) => void storage.set(key, value),
      },
      storageKey: 'outbox',
      clock,
      persist: (entry) => api.persistMessage(entry),
      onChange: (entry, stored) =>
        changes.push({ state: entry.state, error: entry.error, stored: stored !== undefined }),
    })
    const id = newMessageId(me.id)
    outbox.add({
      id,
      room: ROOM,
      body: 'hello',
      attachments: [],
      createdAt: new Date(clock.now()).toISOString(),
    })
    await settle()
    expect(server.requests).toHaveLength(1)
    clock.advance(REQUEST_TIMEOUT_MS)
    await outbox.settled()
    expect(changes.at(-1)).toEqual({
      state: 'pending',
      error: 'The chat service did not answer within 15 s.',
      stored: false,
    })
    // The outbox's first backoff, then the same id again.
    clock.advance(1000)
    await settle()
    expect(server.requests).toHaveLength(2)
    const retry = server.requests[1]
    const body = JSON.parse(String(retry?.init.body))
    expect(body.id).toBe(id)
    retry?.answer(Response.json(storedFrom(body), { status: 201 }))
    await outbox.settled()
    expect(changes.at(-1)).toMatchObject({ stored: true })
    expect(outbox.entries()).toEqual([])
    outbox.dispose()
  })

  it("times out a feature's route that answers with no body like any other call", async () => {
    const clock = new FakeClock()
    const server = fakeServer()
    const api = createChatApi('/chat', { fetch: server.fetch, clock }).forRoom(ROOM, 'token')
    const deleting = api
      .route('/messages/x', z.undefined(), { method: 'DELETE' })
      .catch((error: unknown) => error)
    await settle()
    clock.advance(REQUEST_TIMEOUT_MS)
    expect(await deleting).toMatchObject({ status: 0, code: 'timeout', retryable: true })
  })

  it("refuses a feature's answer that its schema cannot read", async () => {
    const server = fakeServer()
    const api = createChatApi('/chat', { fetch: server.fetch }).forRoom(ROOM, 'token')
    const deleting = api
      .route('/messages/x', z.undefined(), { method: 'DELETE' })
      .catch((error: unknown) => error)
    await settle()
    server.requests[0]?.answer(Response.json({ unexpected: true }))
    expect(await deleting).toMatchObject({ status: 502, code: 'bad_response' })
  })

  it('reads the error the function answered with', async () => {
    const server = fakeServer()
    const api = createChatApi('/chat', { fetch: server.fetch }).forRoom(ROOM, 'token')
    const loading = api.loadChanges({ since: 0 }).catch((error: unknown) => error)
    await settle()
    server.requests[0]?.answer(
      Response.json(
        { error: { code: 'rate_limited', message: 'Slow down.' } },
        { status: 429, headers: { 'Retry-After': '3' } },
      ),
    )
    expect(await loading).toMatchObject({
      status: 429,
      code: 'rate_limited',
      message: 'Slow down.',
      retryAfterMs: 3000,
      retryable: true,
    })
  })
})

import { afterAll, describe, expect, it, vi } from 'vitest'
import { createChatHarness } from '../../../test/chat-harness.ts'
import { createChatApp } from '../app.ts'
import { createPostgresMessageStore } from '../postgres-message-store.ts'
import { createRoomTokens } from '../tokens.ts'

describe('GET /health', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  it('answers 200 {ok: true} when the database answers', async () => {
    const response = await chat.call('GET', '/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('answers 503 {ok: false} when the database does not', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    // Port 1 on loopback: nothing listens there, so every connection is refused.
    const store = createPostgresMessageStore('postgres://nobody:nothing@127.0.0.1:1/none')
    const app = createChatApp({
      ...chat.deps,
      store,
      tokens: createRoomTokens({ apiKey: 'x'.repeat(32), ttlSeconds: 60 }),
    })
    const response = await app.request('/chat/health')
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ ok: false })
    expect(logged).toHaveBeenCalledWith('chat: health check failed:', expect.anything())
    logged.mockRestore()
    await store.close()
  })
})

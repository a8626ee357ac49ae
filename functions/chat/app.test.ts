import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createChatHarness, uniqueRoom } from '../../test/chat-harness.ts'
import { createChatApp } from './app.ts'
import { createPostgresMessageStore } from './postgres-message-store.ts'

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
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const room = uniqueRoom()
    const headers = {
      Authorization: `Bearer ${await chat.tokenFor(room)}`,
      'Content-Type': 'application/json',
    }
    const write = await app.request(`/chat/rooms/${room}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: randomUUID(), body: 'hello?' }),
    })
    expect(write.status).toBe(503)
    expect(write.headers.get('Retry-After')).toBe('5')
    expect(await write.json()).toMatchObject({ error: { code: 'database_unavailable' } })

    const read = await app.request(`/chat/rooms/${room}/messages`, { headers })
    expect(read.status).toBe(503)
    expect(logged).toHaveBeenCalledWith('chat: database unavailable:', expect.anything())
    logged.mockRestore()
  })
})

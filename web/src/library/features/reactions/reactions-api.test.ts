import { newMessageId, type StoredMessage } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import { ChatApiError, createChatApi } from '../../engine/chat-api.ts'
import { addReaction, removeReaction } from './reactions-api.ts'

const me = { id: 'user-me', name: 'Me' }

/** A chat function that answers every request with `answer`, and keeps what it was asked. */
function serverAnswering(answer: () => Response) {
  const requests: { url: string; method: string; auth: string | null }[] = []
  const fetch = (async (url: string, init: RequestInit = {}) => {
    requests.push({
      url,
      method: init.method ?? 'GET',
      auth: new Headers(init.headers).get('Authorization'),
    })
    return answer()
  }) as typeof globalThis.fetch
  const api = createChatApi('/chat', { fetch }).forRoom('standup', 'token')
  return { api, requests }
}

const message = (id: string): StoredMessage => ({
  id,
  room: 'standup',
  sender: me,
  body: 'hello',
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  seq: 1,
  reactions: [{ emoji: '👍', count: 1, userIds: [me.id] }],
})

describe('the reactions API', () => {
  it("adds a reaction with PUT to the message's emoji, and reads the message back", async () => {
    const id = newMessageId(me.id)
    const { api, requests } = serverAnswering(() => Response.json(message(id)))
    expect(await addReaction(api, id, '👍')).toMatchObject({ id, reactions: [{ emoji: '👍' }] })
    expect(requests).toEqual([
      {
        url: `/chat/rooms/standup/messages/${id}/reactions/${encodeURIComponent('👍')}`,
        method: 'PUT',
        auth: 'Bearer token',
      },
    ])
  })

  it('takes a reaction back with DELETE, whose 204 has no body to read', async () => {
    const id = newMessageId(me.id)
    const { api, requests } = serverAnswering(() => new Response(null, { status: 204 }))
    expect(await removeReaction(api, id, '👍')).toBeUndefined()
    expect(requests[0]).toMatchObject({ method: 'DELETE' })
  })

  it("throws the function's own error for a route with no body", async () => {
    const { api } = serverAnswering(() =>
      Response.json(
        { error: { code: 'message_not_found', message: 'There is no such message.' } },
        { status: 404 },
      ),
    )
    const error = await removeReaction(api, newMessageId(me.id), '👍').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChatApiError)
    expect(error).toMatchObject({
      status: 404,
      code: 'message_not_found',
      message: 'There is no such message.',
      retryable: false,
    })
  })
})

import { describe, expect, it } from 'vitest'
import { createChatApi } from './chat-api.ts'

/** A chat function that answers every request with `response`, and remembers what was asked. */
function answering(response: () => Response) {
  const urls: string[] = []
  const fetch = (async (url: string) => {
    urls.push(url)
    return response()
  }) as typeof globalThis.fetch
  return { fetch, urls }
}

describe('RoomApi.downloadTranscript', () => {
  it('asks for subtitles timed from the recording, and names the file as the function does', async () => {
    const server = answering(
      () =>
        new Response('WEBVTT\n\n', {
          headers: {
            'Content-Type': 'text/vtt; charset=utf-8',
            'Content-Disposition': 'attachment; filename="standup-transcript.vtt"',
          },
        }),
    )
    const api = createChatApi('/chat', { fetch: server.fetch }).forRoom('standup', 'token')
    const start = '2030-01-01T10:00:00.000Z'
    const end = '2030-01-01T10:45:00.000Z'

    const { file, name } = await api.downloadTranscript('vtt', { start, end })
    await api.downloadTranscript('vtt', { start })
    await api.downloadTranscript('md')

    expect(name).toBe('standup-transcript.vtt')
    expect(await file.text()).toBe('WEBVTT\n\n')
    const queries = server.urls.map((url) => {
      const [path, query] = url.split('?')
      return { path, query: Object.fromEntries(new URLSearchParams(query)) }
    })
    expect(queries).toEqual([
      { path: '/chat/rooms/standup/transcript', query: { format: 'vtt', start, end } },
      { path: '/chat/rooms/standup/transcript', query: { format: 'vtt', start } },
      { path: '/chat/rooms/standup/transcript', query: { format: 'md' } },
    ])
  })
})

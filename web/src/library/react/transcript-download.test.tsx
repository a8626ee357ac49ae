import { renderToStaticMarkup } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeDailyCall } from '../../../test-support/fake-daily-call.ts'
import { FakeRoom, me } from '../../../test-support/fake-room.ts'
import { FakeTransport } from '../../../test-support/fake-transport.ts'
import type { RoomApi } from '../engine/chat-api.ts'
import { ChatClient } from '../engine/chat-client.ts'
import type { ChatTransport } from '../engine/live-channel.ts'
import { createDailyTransport } from '../transports/daily-transport.ts'
import { ChatColumn } from './chat-column.tsx'

const clients: ChatClient[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const client of clients.splice(0)) await client.dispose()
})

/** The chat column over `transport`, started, and its markup as it renders now. */
async function column(transport: ChatTransport) {
  const api = new FakeRoom() as unknown as RoomApi
  const storage = new Map<string, string>()
  const client = new ChatClient({
    room: 'standup',
    user: me,
    api,
    transport,
    log: vi.fn(),
    storage: {
      getItem: (key) => storage.get(key) ?? null,
      setItem: (key, value) => void storage.set(key, value),
    },
  })
  clients.push(client)
  await client.start()
  return () => renderToStaticMarkup(<ChatColumn client={client} api={api} />)
}

/** The subtitles button in the markup, if any. */
const subtitlesButton = (html: string) =>
  /<button type="button" class="bc-transcript-vtt"[^>]*>Chat as subtitles \(WebVTT\)<\/button>/.exec(
    html,
  )?.[0]

describe('the transcript download in the chat column', () => {
  it('offers the chat as subtitles only once the Daily call has started recording', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2030-01-01T10:00:00.000Z'))
    const call = new FakeDailyCall()
    call.joinedByHost()
    const render = await column(createDailyTransport({ callObject: call }))

    const before = render()
    expect(before).toContain('>Download transcript</button>')
    expect(before).toContain('aria-label="Download transcript as JSON"')
    expect(subtitlesButton(before)).toBeUndefined()

    call.emit('recording-started', { action: 'recording-started' })
    const during = subtitlesButton(render())
    // A plain button: reached with Tab, pressed with Enter or Space, named by its text.
    expect(during).toMatch(/title="Each message timed from when the recording started \(.+\)"/)
    expect(during).not.toContain('disabled')

    vi.setSystemTime(new Date('2030-01-01T10:30:00.000Z'))
    call.emit('recording-stopped', { action: 'recording-stopped' })
    // After the recorded call, still offered: for that recording.
    expect(subtitlesButton(render())).toBeDefined()
  })

  it('offers no subtitles over the local relay, where nothing is recorded', async () => {
    const render = await column(new FakeTransport())
    const html = render()
    expect(html).toContain('>Download transcript</button>')
    expect(subtitlesButton(html)).toBeUndefined()
  })
})

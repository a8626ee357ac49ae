import { DEFAULT_ROOM_SETTINGS, type RoomRetention } from '@shared/protocol.ts'
import { renderToStaticMarkup } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeRoom, me } from '../../../../test-support/fake-room.ts'
import { FakeTransport } from '../../../../test-support/fake-transport.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { ChatClient } from '../../engine/chat-client.ts'
import { ChatColumn } from '../../react/chat-column.tsx'

const clients: ChatClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose()
})

/** The chat column of a room kept under `retention`, as someone who joins sees it. */
async function columnOf(retention: RoomRetention | undefined, defaultRetentionDays?: number) {
  const room = new FakeRoom()
  room.settings = { ...DEFAULT_ROOM_SETTINGS, retention, defaultRetentionDays }
  const api = room as unknown as RoomApi
  const client = new ChatClient({
    room: 'standup',
    user: me,
    api,
    transport: new FakeTransport(),
    log: vi.fn(),
    storage: { getItem: () => null, setItem: () => {} },
  })
  clients.push(client)
  await client.start()
  await client.rules.refresh()
  return {
    room,
    client,
    html: () => renderToStaticMarkup(<ChatColumn client={client} api={api} />),
  }
}

/** The retention line's text in the column's markup. */
const retentionLine = (html: string) =>
  /<p class="bc-retention">([^<]*)<\/p>/.exec(html)?.[1]?.replaceAll('&#x27;', "'")

describe('the retention line in the chat column', () => {
  it('tells everyone in the room, as text, how long the chat is kept', async () => {
    for (const [retention, defaultDays, text] of [
      [{ kind: 'days', days: 30 }, 30, 'Chat in this room is kept for 30 days.'],
      [{ kind: 'days', days: 1 }, undefined, 'Chat in this room is kept for 1 day.'],
      [
        { kind: 'call', graceMinutes: 15 },
        30,
        'Chat in this room is kept until 15 minutes after the call ends.',
      ],
      [
        { kind: 'call', graceMinutes: 120 },
        30,
        'Chat in this room is kept until 2 hours after the call ends.',
      ],
      [{ kind: 'call', graceMinutes: 0 }, 30, 'Chat in this room is kept until the call ends.'],
      [{ kind: 'default' }, 30, "Chat in this room is kept for the project's default of 30 days."],
      [undefined, undefined, "Chat in this room is kept for the project's default period."],
    ] as const) {
      const { html } = await columnOf(retention, defaultDays)
      expect(retentionLine(html())).toBe(text)
    }
  })

  it("follows an owner's change once the settings are read again (the settings notice)", async () => {
    const { room, client, html } = await columnOf({ kind: 'days', days: 30 })
    room.settings = { ...room.settings, retention: { kind: 'call', graceMinutes: 10 } }
    await client.rules.refresh()
    expect(retentionLine(html())).toBe(
      'Chat in this room is kept until 10 minutes after the call ends.',
    )
  })
})

// Mentions in the client core: whom a message mentions goes live and into the write, only while
// the text still names them; a message of someone else's that mentions this user is marked, live
// and stored alike, and one's own never is.
import { newMessageId } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import {
  ben,
  benUser,
  FakeRoom,
  me,
  settle,
  setup,
  stored,
  until,
} from '../../../../test-support/fake-room.ts'
import { ChatApiError } from '../../engine/chat-api.ts'

const mentionBen = { userId: benUser.id, name: 'Ben' }
const mentionMe = { userId: me.id, name: me.name }

describe('ChatClient mentions', () => {
  it('sends whom the message mentions, live and written, and keeps it once stored', async () => {
    const { room, transport, client, find } = setup()
    await client.start()
    expect(client.send('@Ben can you take this?', [], [], [mentionBen]).ok).toBe(true)
    expect(transport.sent).toEqual([
      expect.objectContaining({ type: 'chat', mentions: [mentionBen] }),
    ])
    await until(client, () => find('@Ben can you take this?')?.status === 'saved')
    expect(room.writes).toEqual([expect.objectContaining({ mentions: [mentionBen] })])
    // One's own message mentions Ben; it is no mention of oneself.
    expect(find('@Ben can you take this?')).toMatchObject({ mentions: [mentionBen] })
    expect(find('@Ben can you take this?').mentionsMe).toBeUndefined()
  })

  it('leaves out a person picked and then typed over: the text no longer names them', async () => {
    const { room, transport, client, find } = setup()
    await client.start()
    client.send('never mind, I have it', [], [], [mentionBen])
    expect(transport.sent[0]).not.toHaveProperty('mentions')
    await until(client, () => find('never mind, I have it')?.status === 'saved')
    expect(room.writes[0]).not.toHaveProperty('mentions')
  })

  it("marks someone else's message that mentions this user, live and then stored", async () => {
    const { room, transport, client, find } = setup()
    await client.start()
    const id = newMessageId(ben.userId)
    transport.deliver(
      {
        v: 1,
        type: 'chat',
        id,
        body: '@Me over to you',
        mentions: [mentionMe],
        createdAt: '2030-01-01T00:00:00.000Z',
      },
      ben.sessionId,
    )
    expect(find('@Me over to you')).toMatchObject({ status: 'live', mentionsMe: true })

    room.messages.push(stored('@Me over to you', { id, mentions: [mentionMe] }))
    await client.sync()
    expect(find('@Me over to you')).toMatchObject({ status: 'saved', mentionsMe: true })

    // Ben edits the mention away: the stored copy (same seq, a new revision) mentions no one.
    room.changeBehindTheScenes(id, { body: 'over to you', mentions: undefined })
    await client.sync()
    expect(find('over to you').mentionsMe).toBeUndefined()
  })

  it('does not mark a message that mentions someone else, nor one that only says the name', async () => {
    const { room, client, find } = setup()
    room.messages.push(
      stored('@Sam and @Me', { mentions: [{ userId: 'user-sam', name: 'Sam' }] }),
      stored('@Me typed by hand'),
    )
    await client.start()
    expect(find('@Sam and @Me').mentionsMe).toBeUndefined()
    expect(find('@Me typed by hand').mentionsMe).toBeUndefined()
  })

  it('keeps the mentions of an unsent message across a reload', async () => {
    const storage = new Map<string, string>()
    const room = new FakeRoom()
    const first = setup(room, storage)
    await first.client.start()
    room.refuse = () => new ChatApiError(503, 'database_unavailable', 'Not now.')
    first.client.send('@Ben after the reload', [], [], [mentionBen])
    await settle()
    await first.client.dispose()

    room.refuse = undefined
    const second = setup(room, storage)
    await second.client.start()
    await until(second.client, () => second.find('@Ben after the reload')?.status === 'saved')
    expect(room.writes.at(-1)).toMatchObject({ mentions: [mentionBen] })
  })
})

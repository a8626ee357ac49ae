// Changes made by others (an edit, a reaction, a pin, a deletion) reach this client when it
// catches up, as the database reports them: the message keeps its seq (its place), and the
// catch-up asks from the revision the client last read, never from a seq. FakeRoom keeps those
// rules (fake-room-contract.test.ts holds it to the real function).
import { describe, expect, it } from 'vitest'
import { benUser, setup, stored } from '../../../test-support/fake-room.ts'

const bodies = (client: ReturnType<typeof setup>['client']) =>
  client.getSnapshot().messages.map((m) => m.body)

describe('ChatClient and changes made elsewhere', () => {
  it('shows an edit made elsewhere in the message’s place, not as the newest message', async () => {
    const { room, client, find } = setup()
    room.messages.push(stored('one'))
    const two = stored('two')
    room.messages.push(two, stored('three'))
    await client.start()

    room.changeBehindTheScenes(two.id, { body: 'two, edited', editedAt: '2030-01-02T00:00:00Z' })
    await client.sync()

    expect(bodies(client)).toEqual(['one', 'two, edited', 'three'])
    expect(find('two, edited')).toMatchObject({ seq: two.seq, editedAt: expect.any(String) })
  })

  it('catches up from the revision it read, then from the last change it saw', async () => {
    const { room, client } = setup()
    room.messages.push(stored('one'), stored('two'))
    await client.start()
    const read = room.revision

    const newest = stored('three')
    room.messages.push(newest)
    await client.sync()
    const written = room.revisionOf(newest.id)
    room.changeBehindTheScenes(newest.id, {
      reactions: [{ emoji: '👍', count: 1, userIds: [benUser.id] }],
    })
    await client.sync()

    const [first, second] = room.changesQueries
    expect(first?.since).toBe(read)
    expect(second?.since).toBe(written)
    expect(client.getSnapshot().messages.at(-1)?.reactions).toMatchObject([
      { emoji: '👍', count: 1, userIds: [benUser.id] },
    ])
  })
})

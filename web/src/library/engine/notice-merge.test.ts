// Live notices cannot be used to amplify (issue 19, item 8): a notice only owners send is ignored
// from anyone else, and a burst of notices of one kind costs the read in flight and one more,
// counted as requests at the fake chat function.
import { DEFAULT_ROOM_SETTINGS, newMessageId, type RoomReports } from '@shared/protocol.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deferred } from '../../../test-support/deferred.ts'
import { FakeClock } from '../../../test-support/fake-clock.ts'
import { ben, benUser, FakeRoom, settle, setup, stored } from '../../../test-support/fake-room.ts'
import { FakeTransport, fakeParticipant } from '../../../test-support/fake-transport.ts'
import type { RoomApi } from './chat-api.ts'
import { ChatClient } from './chat-client.ts'
import type { Participant } from './live-channel.ts'
import { MergedRead } from './notice-merge.ts'

const host: Participant = { ...fakeParticipant('host', 'Host'), owner: true }
const BURST = 100

/** A FakeRoom that counts the reads notices ask for, as requests reaching the function. */
class CountingRoom extends FakeRoom {
  readonly reads = { settings: 0, pins: 0, changes: 0, reports: 0 }

  constructor() {
    super()
    const { loadChanges, route } = this
    this.loadChanges = (query) => {
      this.reads.changes += 1
      return loadChanges(query)
    }
    // The features' reads, counted as they go out (before any answer), by path.
    this.route = (path, schema, init) => {
      if (init.method === 'GET' && path === '/settings') this.reads.settings += 1
      if (init.method === 'GET' && path === '/pins') this.reads.pins += 1
      if (init.method === 'GET' && path === '/reports') {
        this.reads.reports += 1
        return Promise.resolve(schema.parse({ mine: [], open: [] } satisfies RoomReports))
      }
      return route(path, schema, init)
    }
  }

  /** Forgets the reads made so far (those of joining the room). */
  resetReads() {
    this.reads.settings = this.reads.pins = this.reads.changes = this.reads.reports = 0
  }
}

/** Every notice kind, from `from`, `BURST` times over, interleaved as a flood would send them. */
function flood(transport: FakeTransport, from: Participant, messageId: string) {
  for (let i = 0; i < BURST; i++) {
    transport.deliver({ v: 1, type: 'settings' }, from.sessionId)
    transport.deliver({ v: 1, type: 'pins' }, from.sessionId)
    transport.deliver({ v: 1, type: 'changed', id: messageId }, from.sessionId)
    transport.deliver({ v: 1, type: 'reports' }, from.sessionId)
  }
}

/** Me in a room with Ben (a member) and Host (an owner), joined, the join's reads forgotten. */
async function joined() {
  const room = new CountingRoom()
  const message = stored('Slides are up')
  room.messages.push(message)
  const { client, transport } = setup(room)
  transport.arrive(host)
  await client.start()
  room.resetReads()
  return { room, client, transport, message }
}

const owners: ChatClient[] = []
afterEach(async () => {
  for (const client of owners.splice(0)) await client.dispose()
})

/** Host's own page in the same kind of room: an owner, told of reports. */
async function joinedAsOwner() {
  const room = new CountingRoom()
  const transport = new FakeTransport({ ...fakeParticipant('host', 'Host', true), owner: true })
  transport.arrive(ben)
  const client = new ChatClient({
    room: 'standup',
    user: { id: host.userId, name: 'Host' },
    owner: true,
    api: room as unknown as RoomApi,
    transport,
    clock: new FakeClock(),
    log: vi.fn(),
    storage: { getItem: () => null, setItem: () => undefined },
  })
  owners.push(client)
  await client.start()
  room.resetReads()
  return { room, client, transport }
}

describe('MergedRead', () => {
  it('reads at once for a single ask', () => {
    const read = vi.fn(() => new Promise<void>(() => undefined))
    void new MergedRead(read).run()
    expect(read).toHaveBeenCalledTimes(1)
  })

  it('turns asks made while a read is in flight into one more read after it, and no other', async () => {
    const answers = [deferred<void>(), deferred<void>()]
    const read = vi.fn(
      () => (answers[read.mock.calls.length - 1] as { promise: Promise<void> }).promise,
    )
    const merged = new MergedRead(read)
    const asks = Array.from({ length: BURST }, () => merged.run())
    expect(read).toHaveBeenCalledTimes(1)
    answers[0]?.resolve()
    await vi.waitFor(() => expect(read).toHaveBeenCalledTimes(2))
    answers[1]?.resolve()
    await Promise.all(asks)
    expect(read).toHaveBeenCalledTimes(2)
  })

  it('still runs the read queued behind one that failed', async () => {
    const first = deferred<void>()
    const read = vi.fn(() => (read.mock.calls.length === 1 ? first.promise : Promise.resolve()))
    const merged = new MergedRead(read)
    const failed = merged.run()
    const again = merged.run()
    first.reject(new Error('offline'))
    await expect(failed).rejects.toThrow('offline')
    await again
    expect(read).toHaveBeenCalledTimes(2)
  })
})

describe('Live notices from someone who is not an owner', () => {
  it('cost no read of the settings, the pins or the reports, and at most two catch-ups', async () => {
    const { room, transport, message } = await joined()
    flood(transport, ben, message.id)
    await settle()
    expect(room.reads).toMatchObject({ settings: 0, pins: 0, reports: 0 })
    // Anyone edits and deletes their own messages: `changed` is taken, merged.
    expect(room.reads.changes).toBeGreaterThanOrEqual(1)
    expect(room.reads.changes).toBeLessThanOrEqual(2)
  })

  it('leave the settings as the function has them, whatever the notice claims', async () => {
    const { room, client, transport } = await joined()
    room.settings = { ...DEFAULT_ROOM_SETTINGS, send: 'nobody' }
    transport.deliver({ v: 1, type: 'settings' }, ben.sessionId)
    await settle()
    expect(room.reads.settings).toBe(0)
    // Ben's notice changed nothing here; Me may still send until an owner says otherwise.
    expect(client.rules.getSnapshot().settings.send).toBe('everyone')
  })
})

describe('Live notices from an owner', () => {
  it('cost at most two reads of each kind for a burst of a hundred', async () => {
    const { room, transport, message } = await joined()
    flood(transport, host, message.id)
    await settle()
    expect(room.reads.settings).toBeGreaterThanOrEqual(1)
    expect(room.reads.settings).toBeLessThanOrEqual(2)
    expect(room.reads.pins).toBeGreaterThanOrEqual(1)
    expect(room.reads.pins).toBeLessThanOrEqual(2)
    // Pins and changes both ask for the catch-up, which they share.
    expect(room.reads.changes).toBeGreaterThanOrEqual(1)
    expect(room.reads.changes).toBeLessThanOrEqual(2)
    // Me is no owner: reports are not Me's to read.
    expect(room.reads.reports).toBe(0)
  })

  it('cost exactly one read for a single notice, made at once', async () => {
    const { room, transport } = await joined()
    transport.deliver({ v: 1, type: 'settings' }, host.sessionId)
    expect(room.reads.settings).toBe(1)
    transport.deliver({ v: 1, type: 'pins' }, host.sessionId)
    expect(room.reads.pins).toBe(1)
    await settle()
    expect(room.reads).toMatchObject({ settings: 1, pins: 1, changes: 1 })
  })

  it('end with the last change applied when it comes while a read is in flight', async () => {
    const { room, client, transport } = await joined()
    const held = deferred<void>()
    const loadSettings = room.loadSettings
    room.loadSettings = async () => {
      // The function answers with the settings as they are when it reads them.
      const answer = await loadSettings()
      await held.promise
      return answer
    }
    room.settings = { ...DEFAULT_ROOM_SETTINGS, send: 'owners' }
    transport.deliver({ v: 1, type: 'settings' }, host.sessionId)
    // The owner changes them again while that read is on its way, and says so.
    room.settings = { ...DEFAULT_ROOM_SETTINGS, send: 'nobody' }
    for (let i = 0; i < BURST; i++) transport.deliver({ v: 1, type: 'settings' }, host.sessionId)
    held.resolve()
    await vi.waitFor(() => expect(client.rules.getSnapshot().settings.send).toBe('nobody'))
    expect(room.reads.settings).toBe(2)
  })
})

describe('Reports notices', () => {
  it("reach an owner from anyone who reports: one read, and a burst's at most two", async () => {
    const { room, transport } = await joinedAsOwner()
    transport.deliver({ v: 1, type: 'reports' }, ben.sessionId)
    expect(room.reads.reports).toBe(1)
    await settle()
    room.resetReads()
    flood(transport, ben, newMessageId(benUser.id))
    await settle()
    expect(room.reads.reports).toBeGreaterThanOrEqual(1)
    expect(room.reads.reports).toBeLessThanOrEqual(2)
    // Ben is no owner: his settings and pins notices are ignored on the owner's page too.
    expect(room.reads).toMatchObject({ settings: 0, pins: 0 })
  })

  it('cost someone who is not an owner nothing', async () => {
    const { room, transport } = await joined()
    transport.deliver({ v: 1, type: 'reports' }, ben.sessionId)
    transport.deliver({ v: 1, type: 'reports' }, host.sessionId)
    await settle()
    expect(room.reads.reports).toBe(0)
  })
})

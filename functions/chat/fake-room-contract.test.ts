// The client's tests run against a fake room (web/test-support/fake-room.ts). These scenarios run
// against both it and the real chat function on PostgreSQL, through the client's own RoomApi, so
// the fake cannot drift from what the database does: a message keeps its seq for good, every
// change to it (edit, deletion, reaction, pin) takes a new revision of the room, a change that
// changes nothing takes none, history pages by seq, and /changes pages by revision.
import type { ChangesPage, StoredMessage } from '@shared/protocol.ts'
import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, uniqueRoom } from '../../test/chat-harness.ts'
import { createChatApi, type RoomApi } from '../../web/src/library/engine/chat-api.ts'
import { deleteMessage, editMessage } from '../../web/src/library/features/editing/engine.ts'
import { loadPins, pinMessage } from '../../web/src/library/features/pins/engine.ts'
import { addReaction, removeReaction } from '../../web/src/library/features/reactions/engine.ts'
import { FakeRoom } from '../../web/test-support/fake-room.ts'

type ContractApi = Pick<
  RoomApi,
  'persistMessage' | 'route' | 'loadHistoryPage' | 'loadChanges' | 'loadMessage'
>

/** A room of one person, a room owner (who may pin), and a new message id for them. */
interface ContractRoom {
  api: ContractApi
  newId(): string
}

const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
afterAll(() => chat.close())

const rooms: [string, () => Promise<ContractRoom>][] = [
  [
    'the fake room of the client tests',
    async () => {
      const room = new FakeRoom()
      return { api: room as ContractApi, newId: () => crypto.randomUUID() }
    },
  ],
  [
    'the chat function on PostgreSQL',
    async () => {
      const room = uniqueRoom('contract')
      const token = await chat.tokenFor(room, 'Me', { owner: true })
      const fetchInProcess = (input: RequestInfo | URL, init?: RequestInit) =>
        chat.app.request(String(input), init)
      const api = createChatApi('/chat', { fetch: fetchInProcess as typeof fetch })
      return { api: api.forRoom(room, token), newId: () => chat.newIdFor(token) }
    },
  ],
]

/** A change to message `id`, made twice: the second time it changes nothing. */
interface Change {
  name: string
  /** What comes first (a reaction to take back, a pin to remove). */
  before?: (api: ContractApi, id: string) => Promise<unknown>
  make: (api: ContractApi, id: string) => Promise<unknown>
  /** The message as /changes and history show it afterwards (deleted: absent). */
  shows: (message: StoredMessage | undefined) => void
  /** Whether making it again is allowed (a second deletion is not a change to catch up on). */
  repeatable: boolean
}

const CHANGES: Change[] = [
  {
    name: 'an edit',
    make: (api, id) => editMessage(api, id, 'b, edited'),
    shows: (message) => expect(message).toMatchObject({ body: 'b, edited' }),
    repeatable: true,
  },
  {
    name: 'a reaction',
    make: (api, id) => addReaction(api, id, '👍'),
    shows: (message) => expect(message?.reactions).toMatchObject([{ emoji: '👍', count: 1 }]),
    repeatable: true,
  },
  {
    name: 'a reaction taken back',
    before: (api, id) => addReaction(api, id, '👍'),
    make: (api, id) => removeReaction(api, id, '👍'),
    shows: (message) => expect(message?.reactions).toEqual([]),
    repeatable: true,
  },
  {
    name: 'a pin',
    make: (api, id) => pinMessage(api, id, true),
    shows: (message) => expect(message?.pinnedAt).toEqual(expect.any(String)),
    repeatable: true,
  },
  {
    name: 'an unpin',
    before: (api, id) => pinMessage(api, id, true),
    make: (api, id) => pinMessage(api, id, false),
    shows: (message) => expect(message).not.toHaveProperty('pinnedAt'),
    repeatable: true,
  },
  {
    name: 'a deletion',
    make: (api, id) => deleteMessage(api, id),
    shows: (message) => expect(message).toBeUndefined(),
    repeatable: false,
  },
]

const bodiesOf = (messages: readonly StoredMessage[]) => messages.map((m) => m.body)

/** The changes as `+body` for a message (with its seq) and `-id` for a deletion. */
const describeChanges = (page: ChangesPage) =>
  page.changes.map((change) =>
    change.type === 'message' ? `+${change.message.body}@${change.message.seq}` : `-${change.id}`,
  )

describe.each(rooms)('%s', (_name, open) => {
  async function threeMessages() {
    const room = await open()
    const post = (body: string) =>
      room.api.persistMessage({ id: room.newId(), body, attachments: [] })
    const a = await post('a')
    const b = await post('b')
    const c = await post('c')
    return { ...room, post, a, b, c }
  }

  it('gives messages increasing seqs in write order, and a write again the same seq', async () => {
    const { api, a, b, c } = await threeMessages()
    expect(b.seq).toBeGreaterThan(a.seq)
    expect(c.seq).toBeGreaterThan(b.seq)
    expect(a.reactions).toEqual([])
    const again = await api.persistMessage({ id: b.id, body: 'b', attachments: [] })
    expect(again.seq).toBe(b.seq)
    const page = await api.loadHistoryPage({})
    expect(bodiesOf(page.messages)).toEqual(['a', 'b', 'c'])
    // The write again is no change: nothing to catch up on.
    expect((await api.loadChanges({ since: page.revision })).changes).toEqual([])
  })

  it.each(CHANGES)(
    '$name keeps the seq, moves the revision, and shows in /changes',
    async (change) => {
      const { api, post, a, b, c } = await threeMessages()
      await change.before?.(api, b.id)
      const read = await api.loadHistoryPage({})

      await change.make(api, b.id)

      const caughtUp = await api.loadChanges({ since: read.revision })
      expect(caughtUp.revision).toBeGreaterThan(read.revision)
      expect(caughtUp.hasMore).toBe(false)
      expect(caughtUp.firstSeq).toBe(a.seq)
      const [only, ...more] = caughtUp.changes
      expect(more).toEqual([])
      if (only?.type === 'message') {
        expect(only.message.id).toBe(b.id)
        expect(only.message.seq).toBe(b.seq)
        change.shows(only.message)
      } else {
        expect(only).toEqual({ type: 'deleted', id: b.id })
        change.shows(undefined)
        await expect(api.loadMessage(b.id)).rejects.toMatchObject({
          status: 404,
          code: 'message_not_found',
        })
      }

      // History still orders by seq: the changed message stays where it was written.
      const after = await api.loadHistoryPage({})
      expect(after.revision).toBe(caughtUp.revision)
      const shown = after.messages.find((m) => m.id === b.id)
      change.shows(shown)
      expect(after.messages.map((m) => m.seq)).toEqual(
        shown ? [a.seq, b.seq, c.seq] : [a.seq, c.seq],
      )

      if (change.repeatable) {
        // The same change again changes nothing, and takes no revision.
        await change.make(api, b.id)
        const none = await api.loadChanges({ since: caughtUp.revision })
        expect(none).toMatchObject({ changes: [], revision: caughtUp.revision, hasMore: false })
        expect((await api.loadHistoryPage({})).revision).toBe(caughtUp.revision)
      }

      // A later write takes a later seq than every message, and a later revision than the change.
      const d = await post('d')
      expect(d.seq).toBeGreaterThan(c.seq)
      const next = await api.loadChanges({ since: caughtUp.revision })
      expect(describeChanges(next)).toEqual([`+d@${d.seq}`])
      expect(next.revision).toBeGreaterThan(caughtUp.revision)
    },
  )

  it('pages history by seq: before and after a seq, newest page last in order', async () => {
    const { api, post, a, b, c } = await threeMessages()
    const d = await post('d')
    const newest = await api.loadHistoryPage({ limit: 2 })
    expect(bodiesOf(newest.messages)).toEqual(['c', 'd'])
    expect(newest.hasMore).toBe(true)
    const older = await api.loadHistoryPage({ before: c.seq, limit: 2 })
    expect(bodiesOf(older.messages)).toEqual(['a', 'b'])
    expect(older.hasMore).toBe(false)
    const newer = await api.loadHistoryPage({ after: a.seq, limit: 2 })
    expect(bodiesOf(newer.messages)).toEqual(['b', 'c'])
    expect(newer.hasMore).toBe(true)
    const rest = await api.loadHistoryPage({ after: c.seq, limit: 2 })
    expect(rest.messages.map((m) => m.id)).toEqual([d.id])
    expect(rest.hasMore).toBe(false)
    // An edit does not move a message to another page.
    await editMessage(api, b.id, 'b, edited')
    const again = await api.loadHistoryPage({ before: c.seq, limit: 2 })
    expect(bodiesOf(again.messages)).toEqual(['a', 'b, edited'])
    expect((await api.loadMessage(b.id)).seq).toBe(b.seq)
  })

  it('pages /changes by revision, oldest change first, each page going on from the last', async () => {
    const { api, a, b, c } = await threeMessages()
    await editMessage(api, a.id, 'a, edited')
    const first = await api.loadChanges({ since: 0, limit: 2 })
    // b and c, then the edit of a: changes come in revision order, not seq order.
    expect(describeChanges(first)).toEqual([`+b@${b.seq}`, `+c@${c.seq}`])
    expect(first.hasMore).toBe(true)
    const second = await api.loadChanges({ since: first.revision, limit: 2 })
    expect(describeChanges(second)).toEqual([`+a, edited@${a.seq}`])
    expect(second.hasMore).toBe(false)
    expect(second.revision).toBeGreaterThan(first.revision)
    expect(second.revision).toBe((await api.loadHistoryPage({})).revision)
    // Nothing since: the answer's revision is the one asked from.
    const none = await api.loadChanges({ since: second.revision })
    expect(none).toEqual({
      changes: [],
      revision: second.revision,
      hasMore: false,
      firstSeq: a.seq,
    })
  })

  it('reports revision 0 and no first seq for a room never written to', async () => {
    const { api } = await open()
    expect(await api.loadHistoryPage({})).toEqual({ messages: [], hasMore: false, revision: 0 })
    expect(await api.loadChanges({ since: 0 })).toEqual({
      changes: [],
      revision: 0,
      hasMore: false,
      firstSeq: null,
    })
  })

  it('lists pins newest pin first, each pin a change', async () => {
    const { api, a, c } = await threeMessages()
    const read = await api.loadHistoryPage({})
    await pinMessage(api, a.id, true)
    await pinMessage(api, c.id, true)
    expect(bodiesOf((await loadPins(api)).messages)).toEqual(['c', 'a'])
    const caughtUp = await api.loadChanges({ since: read.revision })
    expect(describeChanges(caughtUp)).toEqual([`+a@${a.seq}`, `+c@${c.seq}`])
  })
})

import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  ownDatabase,
  PNG_BYTES,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  type Attachment,
  type ChangesPage,
  type ChatUser,
  changesPageSchema,
  type HistoryPage,
  historyPageSchema,
  type StoredMessage,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

interface Member {
  room: string
  user: ChatUser
  token: string
}

interface MessageRow {
  body: string
  edited_at: Date | null
  deleted_at: Date | null
  deleted_by: string | null
  revision: string
}

interface LogRow {
  action: string
  room: string | null
  message_id: string | null
  sender_id: string | null
  actor: string
  reason: string | null
  details: Record<string, unknown>
}

const MESSAGE_KEYS = [
  'attachments',
  'body',
  'createdAt',
  'id',
  'reactions',
  'room',
  'sender',
  'seq',
]

describe('moderation', () => {
  // A database of its own: the purge removes every room's expired messages and latest_messages
  // lists the newest of all rooms, so other files' rows must not come and go meanwhile.
  const database = ownDatabase('moderation')
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } }, database.url)
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  /** A new user (a room owner with `owner`) in `room`, with their token. */
  async function member(room = uniqueRoom('mod'), name = 'Ana', owner = false): Promise<Member> {
    const user: ChatUser = { id: randomUUID(), name }
    const { token } = await chat.deps.tokens.mint(room, user, { owner })
    return { room, user, token }
  }

  /** The same person with a token for another room. */
  async function elsewhere(who: Member, room = uniqueRoom('mod')): Promise<Member> {
    const { token } = await chat.deps.tokens.mint(room, who.user)
    return { room, user: who.user, token }
  }

  const post = (who: Member, body: unknown) =>
    chat.call('POST', `/rooms/${who.room}/messages`, { token: who.token, body })

  const edit = (who: Member, id: string, body: unknown, room = who.room) =>
    chat.call('PATCH', `/rooms/${room}/messages/${id}`, { token: who.token, body })

  const remove = (who: Member, id: string, room = who.room) =>
    chat.call('DELETE', `/rooms/${room}/messages/${id}`, { token: who.token })

  const getOne = (who: Member, id: string) =>
    chat.call('GET', `/rooms/${who.room}/messages/${id}`, { token: who.token })

  /** A stored message, checked against the protocol with no extra keys. */
  async function storedMessage(response: Response, edited = false): Promise<StoredMessage> {
    const json = await response.json()
    const keys = edited ? [...MESSAGE_KEYS, 'editedAt'] : MESSAGE_KEYS
    expect(Object.keys(json).sort()).toEqual(keys.sort())
    return storedMessageSchema.parse(json)
  }

  /** Sends a message and answers it as stored (201). */
  async function send(who: Member, body: string, attachments: Attachment[] = []) {
    const response = await post(who, { id: chat.newIdFor(who.token), body, attachments })
    expect(response.status).toBe(201)
    return storedMessage(response)
  }

  async function history(who: Member): Promise<HistoryPage> {
    const response = await chat.call('GET', `/rooms/${who.room}/messages`, { token: who.token })
    expect(response.status).toBe(200)
    return historyPageSchema.parse(await response.json())
  }

  const bodies = async (who: Member) => (await history(who)).messages.map((m) => m.body)

  const changesOf = (who: Member, query: string) =>
    chat.call('GET', `/rooms/${who.room}/changes?${query}`, { token: who.token })

  async function changes(who: Member, query: string): Promise<ChangesPage> {
    const response = await changesOf(who, query)
    expect(response.status).toBe(200)
    const json = await response.json()
    expect(Object.keys(json).sort()).toEqual(['changes', 'firstSeq', 'hasMore', 'revision'])
    for (const change of json.changes) {
      if (change.type === 'deleted') expect(Object.keys(change).sort()).toEqual(['id', 'type'])
    }
    return changesPageSchema.parse(json)
  }

  /** A change as a short string: `+body` for a message (`*` when edited), `-id` for a deletion. */
  const describeChange = (change: ChangesPage['changes'][number]) =>
    change.type === 'message'
      ? `${change.message.editedAt ? '*' : '+'}${change.message.body}`
      : `-${change.id}`

  async function row(id: string): Promise<MessageRow | undefined> {
    const [found] = await chat.sql<MessageRow[]>`
      select body, edited_at, deleted_at, deleted_by, revision::text as revision
      from chat.messages where id = ${id}::uuid`
    return found
  }

  async function rowCount(room: string): Promise<number> {
    const [found] = await chat.sql<{ n: number }[]>`
      select count(*)::int as n from chat.messages where room = ${room}`
    return found?.n ?? -1
  }

  const logFor = (column: 'message_id' | 'sender_id', value: string) =>
    chat.sql<LogRow[]>`
      select action, room, message_id::text as message_id, sender_id, actor, reason, details
      from chat.moderation_log where ${chat.sql(column)}::text = ${value} order by id`

  async function databaseUser(): Promise<string> {
    const [found] = await chat.sql<{ name: string }[]>`select current_user as name`
    return found?.name ?? ''
  }

  describe('PATCH /rooms/:room/messages/:id', () => {
    it('lets the sender edit: same id, seq and time, new text, editedAt set', async () => {
      const ana = await member()
      const sent = await send(ana, 'helo')
      const before = Date.now()

      const response = await edit(ana, sent.id, { body: '  hello \n' })
      expect(response.status).toBe(200)
      const edited = await storedMessage(response, true)
      expect(edited).toEqual({ ...sent, body: 'hello', editedAt: expect.any(String) })
      expect(Date.parse(edited.editedAt ?? '')).toBeGreaterThanOrEqual(before - 1000)
      expect(Date.parse(edited.editedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(sent.createdAt))

      const again = await edit(ana, sent.id, { body: 'hello, all' })
      expect(again.status).toBe(200)
      const final = await storedMessage(again, true)

      expect((await history(ana)).messages).toEqual([final])
      expect(await storedMessage(await getOne(ana, sent.id), true)).toEqual(final)
      expect((await row(sent.id))?.body).toBe('hello, all')
    })

    it('answers 200 to the same text again, without a new editedAt or revision', async () => {
      const ana = await member()
      const sent = await send(ana, 'draft')
      const first = await storedMessage(await edit(ana, sent.id, { body: 'final' }), true)
      const revision = (await row(sent.id))?.revision

      const repeat = await edit(ana, sent.id, { body: 'final' })
      expect(repeat.status).toBe(200)
      expect(await storedMessage(repeat, true)).toEqual(first)
      expect((await row(sent.id))?.revision).toBe(revision)

      // Never edited and sent the same text: still no editedAt.
      const other = await send(ana, 'as is')
      const same = await edit(ana, other.id, { body: 'as is' })
      expect(same.status).toBe(200)
      expect(await storedMessage(same)).toEqual(other)
      expect((await row(other.id))?.edited_at).toBeNull()
    })

    it('answers 403 not_your_message to another user and to an owner, text unchanged', async () => {
      const ana = await member()
      const bo = await member(ana.room, 'Bo')
      const host = await member(ana.room, 'Host', true)
      const sent = await send(ana, 'mine')

      await expectError(await edit(bo, sent.id, { body: 'yours now' }), 403, 'not_your_message')
      await expectError(await edit(host, sent.id, { body: 'hosted' }), 403, 'not_your_message')
      expect(await row(sent.id)).toMatchObject({ body: 'mine', edited_at: null })
    })

    it('answers 410 message_deleted for a deleted message', async () => {
      const ana = await member()
      const sent = await send(ana, 'regret')
      expect((await remove(ana, sent.id)).status).toBe(204)

      await expectError(await edit(ana, sent.id, { body: 'fixed' }), 410, 'message_deleted')
      expect(await row(sent.id)).toMatchObject({ body: 'regret', edited_at: null })
    })

    it("answers 404 message_not_found for an unknown id and another room's message", async () => {
      const ana = await member()
      const away = await elsewhere(ana)
      const theirs = await send(away, 'over there')

      await expectError(await edit(ana, randomUUID(), { body: 'x' }), 404, 'message_not_found')
      await expectError(await edit(ana, theirs.id, { body: 'x' }), 404, 'message_not_found')
      expect((await row(theirs.id))?.body).toBe('over there')
    })

    it.each([
      ['an empty body', { body: '' }, ['body']],
      ['a whitespace-only body', { body: ' \n\t ' }, ['body']],
      ['a missing body', {}, ['body']],
      ['a number body', { body: 5 }, ['body']],
      ['a body of 4001 characters', { body: 'a'.repeat(4001) }, ['body']],
      ['an escape in the body', { body: '\u001b[2Jgone' }, ['body']],
      ['a NUL in the body', { body: 'a\u0000b' }, ['body']],
      ['a bidi override in the body', { body: 'abc\u202Efed' }, ['body']],
      ['an extra field', { body: 'ok', attachments: [] }, ['attachments']],
      ['a sender in the body', { body: 'ok', sender: { id: 'x', name: 'X' } }, ['sender']],
    ])('answers 400 invalid_input for %s, text unchanged', async (_label, body, fields) => {
      const ana = await member()
      const sent = await send(ana, 'original')
      const error = await expectError(await edit(ana, sent.id, body), 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toEqual(fields)
      expect(await row(sent.id)).toMatchObject({ body: 'original', edited_at: null })
      expect(await bodies(ana)).toEqual(['original'])
    })

    it('answers 400 invalid_json for a body that is not JSON', async () => {
      const ana = await member()
      const sent = await send(ana, 'original')
      await expectError(await edit(ana, sent.id, '{"body": '), 400, 'invalid_json')
      expect((await row(sent.id))?.body).toBe('original')
    })

    it('accepts 4000 characters', async () => {
      const ana = await member()
      const sent = await send(ana, 'short')
      const response = await edit(ana, sent.id, { body: 'z'.repeat(4000) })
      expect(response.status).toBe(200)
      expect((await row(sent.id))?.body).toBe('z'.repeat(4000))
    })

    it('empties the text of a message with files, which keeps its files', async () => {
      const ana = await member()
      const photo = await chat.uploadFile(ana.room, ana.token)
      const sent = await send(ana, 'caption', [photo])

      const response = await edit(ana, sent.id, { body: '' })
      expect(response.status).toBe(200)
      const edited = await storedMessage(response, true)
      expect(edited.body).toBe('')
      expect(edited.attachments).toMatchObject([photo])
      const file = await chat.storage(edited.attachments[0]?.url ?? '')
      expect(file.status).toBe(200)
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG_BYTES)
      expect((await row(sent.id))?.body).toBe('')
    })

    it('answers 401 without a token, 403 wrong_room for another room, 400 for a bad id', async () => {
      const ana = await member()
      const sent = await send(ana, 'safe')
      const away = await elsewhere(ana)

      const anonymous = await chat.call('PATCH', `/rooms/${ana.room}/messages/${sent.id}`, {
        body: { body: 'anon' },
      })
      await expectError(anonymous, 401, 'missing_token')
      await expectError(await edit(away, sent.id, { body: 'x' }, ana.room), 403, 'wrong_room')
      const bad = await expectError(
        await edit(ana, 'not-a-uuid', { body: 'x' }),
        400,
        'invalid_input',
      )
      expect(bad.fields).toEqual({ id: [expect.stringMatching(/UUID/)] })
      expect(await row(sent.id)).toMatchObject({ body: 'safe', edited_at: null })
    })
  })

  describe('DELETE /rooms/:room/messages/:id', () => {
    it('lets the sender delete: 204, gone from history and GET, deleted_by recorded', async () => {
      const ana = await member()
      const kept = await send(ana, 'keep')
      const sent = await send(ana, 'oops')

      const response = await remove(ana, sent.id)
      expect(response.status).toBe(204)
      expect(await response.text()).toBe('')
      expect(await bodies(ana)).toEqual(['keep'])
      await expectError(await getOne(ana, sent.id), 404, 'message_not_found')
      expect(await storedMessage(await getOne(ana, kept.id))).toEqual(kept)
      const deleted = await row(sent.id)
      expect(deleted?.deleted_at).toBeInstanceOf(Date)
      expect(deleted?.deleted_by).toBe(ana.user.id)
      expect(deleted?.body).toBe('oops')
    })

    it('answers 204 again to a repeated delete, and logs the deletion once', async () => {
      const ana = await member()
      const sent = await send(ana, 'twice')
      expect((await remove(ana, sent.id)).status).toBe(204)
      const first = await row(sent.id)

      expect((await remove(ana, sent.id)).status).toBe(204)
      expect(await row(sent.id)).toEqual(first)
      expect((await logFor('message_id', sent.id)).map((entry) => entry.action)).toEqual([
        'delete_message',
      ])
    })

    it("lets a room owner delete someone else's message", async () => {
      const ana = await member()
      const host = await member(ana.room, 'Host', true)
      const sent = await send(ana, 'rude')

      expect((await remove(host, sent.id)).status).toBe(204)
      expect(await bodies(ana)).toEqual([])
      expect((await row(sent.id))?.deleted_by).toBe(host.user.id)
    })

    it('answers 403 not_your_message to another user, and the message stays', async () => {
      const ana = await member()
      const bo = await member(ana.room, 'Bo')
      const sent = await send(ana, 'still here')

      await expectError(await remove(bo, sent.id), 403, 'not_your_message')
      expect(await bodies(bo)).toEqual(['still here'])
      expect((await row(sent.id))?.deleted_at).toBeNull()
    })

    it("answers 404 for an unknown id and another room's message, 400 for a bad id", async () => {
      const ana = await member()
      const away = await elsewhere(ana)
      const theirs = await send(away, 'over there')

      await expectError(await remove(ana, randomUUID()), 404, 'message_not_found')
      await expectError(await remove(ana, theirs.id), 404, 'message_not_found')
      expect((await row(theirs.id))?.deleted_at).toBeNull()
      await expectError(await remove(ana, 'nope'), 400, 'invalid_input')
    })

    it('answers 401 without a token and 403 wrong_room for another room', async () => {
      const ana = await member()
      const sent = await send(ana, 'safe')
      const away = await elsewhere(ana)
      const anonymous = await chat.call('DELETE', `/rooms/${ana.room}/messages/${sent.id}`)
      await expectError(anonymous, 401, 'missing_token')
      await expectError(await remove(away, sent.id, ana.room), 403, 'wrong_room')
      expect((await row(sent.id))?.deleted_at).toBeNull()
    })

    it('answers 410 message_deleted to a retry of the POST of a deleted message', async () => {
      const ana = await member()
      const id = chat.newIdFor(ana.token)
      expect((await post(ana, { id, body: 'sent once' })).status).toBe(201)
      expect((await remove(ana, id)).status).toBe(204)

      await expectError(await post(ana, { id, body: 'sent once' }), 410, 'message_deleted')
      expect(await rowCount(ana.room)).toBe(1)
      expect(await bodies(ana)).toEqual([])
    })
  })

  describe('GET /rooms/:room/changes', () => {
    it('answers new, edited and deleted messages since a revision, in revision order', async () => {
      const ana = await member()
      const bo = await member(ana.room, 'Bo')
      const [a, b] = [await send(ana, 'a'), await send(bo, 'b')]
      await send(ana, 'c')
      const { revision } = await history(ana)

      const d = await send(bo, 'd')
      expect((await edit(ana, a.id, { body: 'a, edited' })).status).toBe(200)
      expect((await remove(bo, b.id)).status).toBe(204)

      const page = await changes(ana, `since=${revision}`)
      expect(page.changes.map(describeChange)).toEqual(['+d', '*a, edited', `-${b.id}`])
      expect(page.hasMore).toBe(false)
      expect(page.changes[0]).toEqual({ type: 'message', message: d })
      const editedChange = page.changes[1]
      expect(editedChange?.type === 'message' && editedChange.message).toEqual(
        await storedMessage(await getOne(ana, a.id), true),
      )
      expect(page.revision).toBeGreaterThan(revision)
      expect(String(page.revision)).toBe((await row(b.id))?.revision)

      const caughtUp = await changes(ana, `since=${page.revision}`)
      expect(caughtUp).toEqual({
        changes: [],
        revision: page.revision,
        hasMore: false,
        firstSeq: a.seq,
      })

      const all = await changes(bo, 'since=0')
      expect(all.changes.map(describeChange)).toEqual(['+c', '+d', '*a, edited', `-${b.id}`])
      expect(all.revision).toBe(page.revision)
    })

    it('pages with limit and hasMore, each change exactly once', async () => {
      const ana = await member()
      const sent = []
      for (const body of ['1', '2', '3', '4', '5']) sent.push(await send(ana, body))
      expect((await edit(ana, sent[0]?.id ?? '', { body: '1!' })).status).toBe(200)
      expect((await remove(ana, sent[2]?.id ?? '')).status).toBe(204)

      const walked: string[] = []
      let page = await changes(ana, 'since=0&limit=2')
      walked.push(...page.changes.map(describeChange))
      let pages = 1
      while (page.hasMore && pages < 10) {
        expect(page.changes).toHaveLength(2)
        page = await changes(ana, `since=${page.revision}&limit=2`)
        walked.push(...page.changes.map(describeChange))
        pages += 1
      }
      expect(walked).toEqual(['+2', '+4', '+5', '*1!', `-${sent[2]?.id}`])
      expect(pages).toBe(3)
      expect(page.hasMore).toBe(false)
    })

    it('shows deletions and restores made directly in SQL', async () => {
      const ana = await member()
      const sent = await send(ana, 'moderate me')
      const { revision } = await history(ana)

      await chat.sql`update chat.messages set deleted_at = now() where id = ${sent.id}::uuid`
      const deleted = await changes(ana, `since=${revision}`)
      expect(deleted.changes).toEqual([{ type: 'deleted', id: sent.id }])

      await chat.sql`update chat.messages set deleted_at = null where id = ${sent.id}::uuid`
      const restored = await changes(ana, `since=${deleted.revision}`)
      expect(restored.changes).toEqual([{ type: 'message', message: sent }])
      expect(restored.revision).toBeGreaterThan(deleted.revision)
    })

    it('never answers changes of other rooms', async () => {
      const ana = await member()
      const away = await elsewhere(ana)
      await send(away, 'elsewhere')
      const mine = await send(ana, 'here')
      await send(away, 'elsewhere again')
      expect((await changes(ana, 'since=0')).changes).toEqual([{ type: 'message', message: mine }])
    })

    it.each([
      ['', 'since'],
      ['since=', 'since'],
      ['since=-1', 'since'],
      ['since=abc', 'since'],
      ['since=1.5', 'since'],
      ['since=01', 'since'],
      ['since=0&limit=0', 'limit'],
      ['since=0&limit=201', 'limit'],
      ['since=0&limit=ten', 'limit'],
      ['since=0&after=3', 'after'],
    ])('answers 400 invalid_input for "%s"', async (query, field) => {
      const ana = await member()
      const error = await expectError(await changesOf(ana, query), 400, 'invalid_input')
      expect(error.fields).toEqual({ [field]: [expect.stringMatching(/\S/)] })
    })

    it('answers 401 without a token and 403 wrong_room for another room', async () => {
      const ana = await member()
      await send(ana, 'private')
      const away = await elsewhere(ana)
      const anonymous = await chat.call('GET', `/rooms/${ana.room}/changes?since=0`)
      await expectError(anonymous, 401, 'missing_token')
      const foreign = await chat.call('GET', `/rooms/${ana.room}/changes?since=0`, {
        token: away.token,
      })
      await expectError(foreign, 403, 'wrong_room')
    })
  })

  describe('blocked senders', () => {
    const block = (senderId: string, room: string | null, reason: string) =>
      chat.sql`
        insert into chat.blocked_senders (sender_id, room, reason)
        values (${senderId}, ${room}, ${reason})`

    const unblock = (senderId: string) =>
      chat.sql`delete from chat.blocked_senders where sender_id = ${senderId}`

    it('refuses a sender blocked in a room there (403 with the reason), not elsewhere', async () => {
      const ana = await member()
      const bo = await member(ana.room, 'Bo')
      await block(ana.user.id, ana.room, 'posting spam links')

      const error = await expectError(
        await post(ana, { id: chat.newIdFor(ana.token), body: 'buy now' }),
        403,
        'sender_blocked',
      )
      expect(error.message).toContain('posting spam links')
      expect(await rowCount(ana.room)).toBe(0)

      expect((await post(bo, { id: chat.newIdFor(bo.token), body: 'hi' })).status).toBe(201)
      const away = await elsewhere(ana)
      expect(
        (await post(away, { id: chat.newIdFor(away.token), body: 'hello there' })).status,
      ).toBe(201)
    })

    it('refuses a globally blocked sender in every room', async () => {
      const ana = await member()
      const away = await elsewhere(ana)
      await block(ana.user.id, null, 'harassment')

      for (const who of [ana, away]) {
        const error = await expectError(
          await post(who, { id: chat.newIdFor(who.token), body: 'hi' }),
          403,
          'sender_blocked',
        )
        expect(error.message).toContain('harassment')
        expect(await rowCount(who.room)).toBe(0)
      }
    })

    it('refuses edits by a blocked sender, text unchanged', async () => {
      const ana = await member()
      const sent = await send(ana, 'before the block')
      await block(ana.user.id, ana.room, 'cooling off')

      const error = await expectError(
        await edit(ana, sent.id, { body: 'sneaky' }),
        403,
        'sender_blocked',
      )
      expect(error.message).toContain('cooling off')
      expect(await row(sent.id)).toMatchObject({ body: 'before the block', edited_at: null })
    })

    it('lets them write again once the block row is deleted', async () => {
      const ana = await member()
      await block(ana.user.id, ana.room, 'one hour')
      await block(ana.user.id, null, 'one hour everywhere')
      await expectError(
        await post(ana, { id: chat.newIdFor(ana.token), body: 'no' }),
        403,
        'sender_blocked',
      )

      await unblock(ana.user.id)
      const sent = await send(ana, 'back again')
      expect(await bodies(ana)).toEqual(['back again'])
      expect((await edit(ana, sent.id, { body: 'back again!' })).status).toBe(200)
    })
  })

  describe('audit trail (moderation_log)', () => {
    it('logs API deletions with the deleter as actor, sender and owner alike', async () => {
      const ana = await member()
      const host = await member(ana.room, 'Host', true)
      const own = await send(ana, 'my own')
      const theirs = await send(ana, 'moderated')

      expect((await remove(ana, own.id)).status).toBe(204)
      expect((await remove(host, theirs.id)).status).toBe(204)

      const entry = { action: 'delete_message', room: ana.room, sender_id: ana.user.id }
      expect(await logFor('message_id', own.id)).toMatchObject([
        { ...entry, message_id: own.id, actor: ana.user.id, reason: null, details: {} },
      ])
      expect(await logFor('message_id', theirs.id)).toMatchObject([
        { ...entry, message_id: theirs.id, actor: host.user.id },
      ])
    })

    it('logs a deletion and a restore made in SQL with the database user as actor', async () => {
      const ana = await member()
      const sent = await send(ana, 'studio')
      const dbUser = await databaseUser()
      expect(dbUser).toMatch(/\S/)

      await chat.sql`update chat.messages set deleted_at = now() where id = ${sent.id}::uuid`
      expect((await row(sent.id))?.deleted_by).toBe(dbUser)
      await chat.sql`update chat.messages set deleted_at = null where id = ${sent.id}::uuid`
      expect(await bodies(ana)).toEqual(['studio'])

      const entry = { room: ana.room, message_id: sent.id, sender_id: ana.user.id, actor: dbUser }
      expect(await logFor('message_id', sent.id)).toMatchObject([
        { ...entry, action: 'delete_message' },
        { ...entry, action: 'restore_message' },
      ])
    })

    it('credits a Studio deletion after a restore to the database user, not the earlier deleter', async () => {
      const ana = await member()
      const sent = await send(ana, 'back and forth')
      expect((await remove(ana, sent.id)).status).toBe(204)
      await chat.sql`update chat.messages set deleted_at = null where id = ${sent.id}::uuid`
      expect((await row(sent.id))?.deleted_by).toBeNull()
      await chat.sql`update chat.messages set deleted_at = now() where id = ${sent.id}::uuid`

      const dbUser = await databaseUser()
      expect((await row(sent.id))?.deleted_by).toBe(dbUser)
      expect((await logFor('message_id', sent.id)).map((entry) => entry.actor)).toEqual([
        ana.user.id,
        dbUser,
        dbUser,
      ])
    })

    it('logs nothing for an edit', async () => {
      const ana = await member()
      const sent = await send(ana, 'typo')
      expect((await edit(ana, sent.id, { body: 'fixed' })).status).toBe(200)
      expect(await logFor('message_id', sent.id)).toEqual([])
    })

    it('logs blocks and unblocks with their reason and who blocked', async () => {
      const ana = await member()
      const bo = await member(ana.room, 'Bo')
      const dbUser = await databaseUser()
      await chat.sql`
        insert into chat.blocked_senders (sender_id, room, reason, blocked_by)
        values (${ana.user.id}, ${ana.room}, 'flooding', 'moderator-lea')`
      await chat.sql`
        insert into chat.blocked_senders (sender_id, reason) values (${bo.user.id}, 'spam')`
      const [blocked] = await chat.sql<{ blocked_by: string }[]>`
        select blocked_by from chat.blocked_senders where sender_id = ${bo.user.id}`
      expect(blocked?.blocked_by).toBe(dbUser)

      await chat.sql`delete from chat.blocked_senders where sender_id = ${ana.user.id}`

      expect(await logFor('sender_id', ana.user.id)).toMatchObject([
        { action: 'block_sender', room: ana.room, actor: 'moderator-lea', reason: 'flooding' },
        { action: 'unblock_sender', room: ana.room, actor: dbUser, reason: 'flooding' },
      ])
      expect(await logFor('sender_id', bo.user.id)).toMatchObject([
        { action: 'block_sender', room: null, actor: dbUser, reason: 'spam', message_id: null },
      ])
    })
  })

  describe('Studio views', () => {
    it('room_activity counts visible and deleted messages, senders, first and last', async () => {
      const ana = await member()
      const bo = await member(ana.room, 'Bo')
      await send(ana, 'one')
      await send(bo, 'two')
      const three = await send(ana, 'three')
      expect((await remove(ana, three.id)).status).toBe(204)
      await send(await elsewhere(ana), 'other room')

      const [times] = await chat.sql<{ first: Date; last: Date }[]>`
        select min(created_at) as first, max(created_at) as last
        from chat.messages where room = ${ana.room}`
      const activity = await chat.sql`
        select room, messages::int, deleted_messages::int, senders::int,
               first_message_at, last_message_at
        from chat.room_activity where room = ${ana.room}`
      expect(activity).toEqual([
        {
          room: ana.room,
          messages: 2,
          deleted_messages: 1,
          senders: 2,
          first_message_at: times?.first,
          last_message_at: times?.last,
        },
      ])
      expect(times?.last.getTime()).toBeGreaterThan(times?.first.getTime() ?? Infinity)
    })

    it('latest_messages lists newest first, deleted ones included', async () => {
      const ana = await member()
      const photo = await chat.uploadFile(ana.room, ana.token)
      const first = await send(ana, 'first', [photo])
      const second = await send(ana, 'second')
      const third = await send(ana, 'third')
      expect((await remove(ana, second.id)).status).toBe(204)

      const rows = await chat.sql`
        select id, room, sender_id, sender_name, body, files, edited_at, deleted_at
        from chat.latest_messages where room = ${ana.room}`
      const common = { room: ana.room, sender_id: ana.user.id, sender_name: 'Ana', edited_at: null }
      expect(rows).toEqual([
        { ...common, id: third.id, body: 'third', files: 0, deleted_at: null },
        { ...common, id: second.id, body: 'second', files: 0, deleted_at: expect.any(Date) },
        { ...common, id: first.id, body: 'first', files: 1, deleted_at: null },
      ])
    })

    it.each([
      ['room_activity', /activity per room/i],
      ['latest_messages', /deleted ones included/i],
    ])('%s is documented and runs with the privileges of its caller', async (view, says) => {
      const [found] = await chat.sql<{ description: string | null; options: string[] | null }[]>`
          select obj_description(c.oid, 'pg_class') as description, c.reloptions as options
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'chat' and c.relname = ${view} and c.relkind = 'v'`
      expect(found?.description).toMatch(says)
      expect(found?.options).toContain('security_invoker=true')
    })
  })

  describe('retention: purge_expired_messages', () => {
    it('removes messages older than the retention, queues their files and logs', async () => {
      const ana = await member(uniqueRoom('purge'))
      const photo = await chat.uploadFile(ana.room, ana.token)
      const oldText = await send(ana, 'ancient')
      const oldPhoto = await send(ana, 'ancient photo', [photo])
      const almost = await send(ana, '29 days old')
      await send(ana, 'today')
      await chat.sql`
        update chat.messages set created_at = now() - interval '40 days'
        where id in ${chat.sql([oldText.id, oldPhoto.id])}`
      await chat.sql`
        update chat.messages set created_at = now() - interval '29 days'
        where id = ${almost.id}::uuid`
      const [mark] = await chat.sql<{ id: string }[]>`
        select coalesce(max(id), 0)::text as id from chat.moderation_log`
      const dbUser = await databaseUser()

      const [result] = await chat.sql<{ purged: number }[]>`
        select chat.purge_expired_messages(30) as purged`
      expect(result?.purged).toBe(2)

      expect(await bodies(ana)).toEqual(['29 days old', 'today'])
      expect(await rowCount(ana.room)).toBe(2)
      const queued = await chat.sql`
        select path from chat.media_deletions where path like ${`${ana.room}/%`}`
      expect(queued).toEqual([{ path: photo.path }])
      const purges = await chat.sql<LogRow[]>`
        select action, room, actor, details from chat.moderation_log
        where id > ${mark?.id ?? '0'}::bigint and action = 'purge_messages'`
      expect(purges).toEqual([
        {
          action: 'purge_messages',
          room: null,
          actor: dbUser,
          details: { retention_days: 30, messages: 2 },
        },
      ])
    })

    it.each([0, -1])('refuses a retention of %i days and deletes nothing', async (days) => {
      const ana = await member(uniqueRoom('purge'))
      const sent = await send(ana, 'old but safe')
      await chat.sql`
        update chat.messages set created_at = now() - interval '400 days'
        where id = ${sent.id}::uuid`
      await expect(chat.sql`select chat.purge_expired_messages(${days}::int)`).rejects.toThrow(
        /retention_days must be at least 1/,
      )
      expect(await rowCount(ana.room)).toBe(1)
      // Leave nothing expired behind for the purge test.
      await chat.sql`delete from chat.messages where id = ${sent.id}::uuid`
    })
  })

  describe('GET /rooms/:room/transcript', () => {
    /** A conversation with an edit, a deletion and a photo. */
    async function conversation() {
      const ana = await member(uniqueRoom('talk'))
      const bo = await member(ana.room, 'Bo')
      await send(ana, 'first words')
      const typo = await send(bo, 'secnod')
      expect((await edit(bo, typo.id, { body: 'second, corrected' })).status).toBe(200)
      const regret = await send(ana, 'to be deleted')
      expect((await remove(ana, regret.id)).status).toBe(204)
      const photo = await chat.uploadFile(ana.room, ana.token)
      await send(ana, 'look at this', [photo])
      return { ana, bo }
    }

    const transcript = (who: Member | undefined, room: string, format?: string) =>
      chat.call('GET', `/rooms/${room}/transcript${format ? `?format=${format}` : ''}`, {
        token: who?.token,
      })

    it('answers Markdown: final texts in order with senders and edits, files as links', async () => {
      const { ana } = await conversation()
      for (const format of ['md', undefined]) {
        const response = await transcript(ana, ana.room, format)
        expect(response.status).toBe(200)
        expect(response.headers.get('content-type')).toMatch(/^text\/markdown/)
        expect(response.headers.get('content-disposition')).toBe(
          `attachment; filename="${ana.room}-transcript.md"`,
        )
        const text = await response.text()
        expect(text).toContain(`# Transcript of ${ana.room}`)
        expect(text).not.toContain('to be deleted')
        expect(text).not.toContain('secnod')
        // Each text is quoted, so no line of it can pass for another message's header.
        const order = ['first words', 'second, corrected', 'look at this'].map((body) =>
          text.indexOf(`\n> ${body}\n`),
        )
        expect(order.every((at) => at > 0)).toBe(true)
        expect([...order].sort((x, y) => x - y)).toEqual(order)

        const headers = text.split('\n').filter((line) => line.startsWith('**'))
        expect(headers).toHaveLength(3)
        expect(headers.map((line) => /^\*\*(.+?)\*\*/.exec(line)?.[1])).toEqual([
          'Ana',
          'Bo',
          'Ana',
        ])
        expect(headers.map((line) => line.endsWith('(edited)'))).toEqual([false, true, false])

        const link = /\[photo\.png\]\(<(http[^\s>]+)>\)/.exec(text)
        expect(link?.[1]).toBeDefined()
        const file = await chat.storage(link?.[1] ?? '')
        expect(file.status).toBe(200)
        expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG_BYTES)
      }
    })

    it('answers JSON with the room, the export time and the visible messages', async () => {
      const { ana, bo } = await conversation()
      const before = Date.now()
      const response = await transcript(bo, ana.room, 'json')
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="${ana.room}-transcript.json"`,
      )
      const json = await response.json()
      expect(Object.keys(json).sort()).toEqual([
        'exportedAt',
        'messages',
        'questions',
        'retention',
        'retentionPolicy',
        'room',
      ])
      expect(json.room).toBe(ana.room)
      // The room's Q&A board as the reader sees it: nobody asked anything here.
      expect(json.questions).toEqual([])
      expect(json.retention).toEqual({ kind: 'default' })
      expect(Date.parse(json.exportedAt)).toBeGreaterThanOrEqual(before - 1000)
      const messages = storedMessageSchema.array().parse(json.messages)

      const withoutUrls = (list: StoredMessage[]) =>
        list.map((m) => ({
          ...m,
          attachments: m.attachments.map(({ url: _, urlExpiresAt: __, ...f }) => f),
        }))
      expect(withoutUrls(messages)).toEqual(withoutUrls((await history(ana)).messages))
      expect(messages.map((m) => [m.sender.name, m.body, Boolean(m.editedAt)])).toEqual([
        ['Ana', 'first words', false],
        ['Bo', 'second, corrected', true],
        ['Ana', 'look at this', false],
      ])
      const file = await chat.storage(messages[2]?.attachments[0]?.url ?? '')
      expect(file.status).toBe(200)
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG_BYTES)
    })

    it('streams a long history page by page: every message once, in order, in both formats', async () => {
      const ana = await member(uniqueRoom('long'))
      // More than two pages of the export (500 each), written straight into the table.
      await chat.sql`
        insert into chat.messages (id, room, sender_id, sender_name, body)
        select gen_random_uuid(), ${ana.room}, ${ana.user.id}, 'Ana', 'message ' || n
        from generate_series(1, 1201) as n order by n`
      const markdown = await (await transcript(ana, ana.room, 'md')).text()
      const bodies = [...markdown.matchAll(/^> (message \d+)$/gm)].map((match) => match[1])
      expect(bodies).toEqual(Array.from({ length: 1201 }, (_, n) => `message ${n + 1}`))
      expect(markdown).toMatch(/\n1,201 messages\.\n$/)

      const json = await (await transcript(ana, ana.room, 'json')).json()
      const messages = storedMessageSchema.array().parse(json.messages)
      expect(messages.map((m) => m.body)).toEqual(bodies)
    })

    it('answers 400 for an unknown format, 401 without a token, 403 for another room', async () => {
      const ana = await member(uniqueRoom('talk'))
      await send(ana, 'secret')
      const pdf = await expectError(await transcript(ana, ana.room, 'pdf'), 400, 'invalid_input')
      expect(pdf.fields).toEqual({ format: [expect.stringMatching(/md or json/)] })
      await expectError(await transcript(undefined, ana.room), 401, 'missing_token')
      const away = await elsewhere(ana)
      await expectError(await transcript(away, ana.room), 403, 'wrong_room')
    })
  })
})

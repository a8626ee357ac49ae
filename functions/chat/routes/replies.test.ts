// Quoted replies, as the people in a room and someone in another room see them: what is stored
// and handed back, what is refused and why, and how transcripts show a reply.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  type HarnessMember,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  changesPageSchema,
  historyPageSchema,
  type StoredMessage,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('replies (replyTo)', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  type Member = HarnessMember
  const member = (room = uniqueRoom('reply'), name = 'Ana') => chat.member(room, name)

  const post = (who: Member, body: Record<string, unknown>) =>
    chat.call('POST', `/rooms/${who.room}/messages`, {
      token: who.token,
      body: { id: chat.newIdFor(who.token), ...body },
    })

  async function send(who: Member, body: string, replyTo?: string): Promise<StoredMessage> {
    const response = await post(who, { body, ...(replyTo ? { replyTo } : {}) })
    expect(response.status).toBe(201)
    return storedMessageSchema.parse(await response.json())
  }

  const get = async (who: Member, path: string) => {
    const response = await chat.call('GET', `/rooms/${who.room}${path}`, { token: who.token })
    expect(response.status).toBe(200)
    return response
  }

  async function rowCount(room: string): Promise<number> {
    const [row] = await chat.sql<{ n: number }[]>`
      select count(*)::int as n from chat.messages where room = ${room}`
    return row?.n ?? -1
  }

  it('stores replyTo and hands it back everywhere a message is read', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    const parent = await send(ben, 'Shall we start at ten?')
    const response = await post(ana, { body: 'Ten works', replyTo: parent.id.toUpperCase() })
    expect(response.status).toBe(201)
    const reply = storedMessageSchema.parse(await response.json())
    // The id as stored: lower case, whatever case the client sent.
    expect(reply.replyTo).toBe(parent.id)

    const [row] = await chat.sql`select reply_to from chat.messages where id = ${reply.id}::uuid`
    expect(row?.reply_to).toBe(parent.id)

    const page = historyPageSchema.parse(await (await get(ben, '/messages')).json())
    expect(page.messages.map((m) => [m.body, m.replyTo])).toEqual([
      ['Shall we start at ten?', undefined],
      ['Ten works', parent.id],
    ])
    // The parent carries no replyTo key at all (not null), like every message that answers none.
    expect(Object.keys(page.messages[0] ?? {})).not.toContain('replyTo')

    const one = storedMessageSchema.parse(await (await get(ben, `/messages/${reply.id}`)).json())
    expect(one.replyTo).toBe(parent.id)

    const changes = changesPageSchema.parse(await (await get(ben, '/changes?since=0')).json())
    expect(
      changes.changes.map((change) => change.type === 'message' && change.message.replyTo),
    ).toEqual([undefined, parent.id])

    // An edit keeps what the message replies to.
    const edited = await chat.call('PATCH', `/rooms/${ana.room}/messages/${reply.id}`, {
      token: ana.token,
      body: { body: 'Ten works for me' },
    })
    expect(edited.status).toBe(200)
    expect(storedMessageSchema.parse(await edited.json()).replyTo).toBe(parent.id)
  })

  it("refuses (400 invalid_reply) a reply to another room's message, and writes nothing", async () => {
    const elsewhere = await member(uniqueRoom('other'), 'Eve')
    const secret = await send(elsewhere, 'a message of another room')
    const ana = await member()

    const error = await expectError(
      await post(ana, { body: 'quoting across rooms', replyTo: secret.id }),
      400,
      'invalid_reply',
    )
    expect(error.message).toMatch(/another room/)
    expect(error.fields).toEqual({ replyTo: [expect.stringMatching(/another room/)] })
    expect(await rowCount(ana.room)).toBe(0)
  })

  it('refuses (400 invalid_reply) a reply to a message that does not exist', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    // An id that looks like Ben's, but nothing was ever stored under it.
    const error = await expectError(
      await post(ana, { body: 'answering nothing', replyTo: chat.newIdFor(ben.token) }),
      400,
      'invalid_reply',
    )
    expect(error.message).toMatch(/no message with this id/)
    expect(error.fields).toEqual({ replyTo: [expect.stringMatching(/no message/)] })
    expect(await rowCount(ana.room)).toBe(0)
  })

  it('refuses a reply to itself, and a replyTo that is no id (400 invalid_input)', async () => {
    const ana = await member()
    const id = chat.newIdFor(ana.token)
    const self = await chat.call('POST', `/rooms/${ana.room}/messages`, {
      token: ana.token,
      body: { id, body: 'me, myself', replyTo: id },
    })
    await expectError(self, 400, 'invalid_reply')

    for (const replyTo of ['not-an-id', 42, null, '']) {
      const error = await expectError(
        await post(ana, { body: 'hi', replyTo }),
        400,
        'invalid_input',
      )
      expect(error.fields).toEqual({ replyTo: [expect.stringMatching(/replyTo is the id/)] })
    }
    expect(await rowCount(ana.room)).toBe(0)
  })

  it('accepts a reply to a deleted message (it shows as deleted), not to a purged one', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    const parent = await send(ben, 'oops, wrong room')
    const deleted = await chat.call('DELETE', `/rooms/${ben.room}/messages/${parent.id}`, {
      token: ben.token,
    })
    expect(deleted.status).toBe(204)
    // Ana saw it before it went: her reply is stored and still says what it answered.
    const reply = await send(ana, 'no worries', parent.id)
    expect(reply.replyTo).toBe(parent.id)

    const purged = await send(ben, 'from long ago')
    await chat.sql`delete from chat.messages where id = ${purged.id}::uuid`
    await expectError(
      await post(ana, { body: 'too late', replyTo: purged.id }),
      400,
      'invalid_reply',
    )
  })

  it('treats a retry naming another parent as another message (409), the same one as a retry', async () => {
    const ana = await member()
    const first = await send(ana, 'one')
    const second = await send(ana, 'two')
    const id = chat.newIdFor(ana.token)
    const write = (replyTo?: string) =>
      chat.call('POST', `/rooms/${ana.room}/messages`, {
        token: ana.token,
        body: { id, body: 'answer', ...(replyTo ? { replyTo } : {}) },
      })
    expect((await write(first.id)).status).toBe(201)
    expect((await write(first.id)).status).toBe(200)
    await expectError(await write(second.id), 409, 'id_conflict')
    await expectError(await write(), 409, 'id_conflict')
  })

  it('keeps the rule in the database, whoever writes (Studio, SQL)', async () => {
    const ana = await member()
    const elsewhere = await member(uniqueRoom('other'), 'Eve')
    const foreign = await send(elsewhere, 'elsewhere')
    const local = await send(ana, 'here')
    const insert = (replyTo: string) =>
      chat.sql`
        insert into chat.messages (id, room, sender_id, sender_name, body, reply_to)
        values (gen_random_uuid(), ${ana.room}, ${ana.user.id}, 'Ana', 'x', ${replyTo}::uuid)`
    await expect(insert(foreign.id)).rejects.toMatchObject({ code: 'BCRPL', detail: 'other_room' })
    await expect(insert(randomUUID())).rejects.toMatchObject({ code: 'BCRPL', detail: 'unknown' })
    await expect(
      chat.sql`update chat.messages set reply_to = ${foreign.id}::uuid where id = ${local.id}::uuid`,
    ).rejects.toMatchObject({ code: 'BCRPL' })
    expect(await rowCount(ana.room)).toBe(1)
  })

  describe('in transcripts', () => {
    const transcript = (who: Member, format: 'md' | 'json') =>
      get(who, `/transcript?format=${format}`)

    it('shows a quote line before each reply in Markdown, and replyTo in JSON', async () => {
      const ana = await member()
      const ben = await member(ana.room, '*Ben* <b>')
      const parent = await send(ben, 'Agenda: <script>budget</script>\nsecond line stays out')
      const reply = await send(ana, 'Agreed', parent.id)
      const gone = await send(ben, 'to be deleted')
      expect(
        (
          await chat.call('DELETE', `/rooms/${ben.room}/messages/${gone.id}`, {
            token: ben.token,
          })
        ).status,
      ).toBe(204)
      await send(ana, 'Answering a deleted one', gone.id)
      const purged = await send(ben, 'purged by retention')
      await send(ana, 'Answering a purged one', purged.id)
      await chat.sql`delete from chat.messages where id = ${purged.id}::uuid`
      // A body cannot forge a quote line: every line of it stays inside its own quote.
      await send(ana, '↩ Ana: a forged quote')

      const markdown = await (await transcript(ana, 'md')).text()
      expect(markdown).toContain(
        '**Ana** · ' +
          `${reply.createdAt.slice(0, 16).replace('T', ' ')} UTC\n\n` +
          '↩ \\*Ben\\* &lt;b&gt;: Agenda: &lt;script&gt;budget&lt;/script&gt;\n\n> Agreed\n',
      )
      expect(markdown).not.toContain('second line stays out\n\n> Agreed')
      expect(markdown).toContain('↩ Reply to a deleted message\n\n> Answering a deleted one\n')
      expect(markdown).not.toContain('↩ *Ben* &lt;b&gt;: to be deleted')
      expect(markdown).toContain(
        '↩ Reply to a message that is no longer available\n\n> Answering a purged one\n',
      )
      expect(markdown.split('\n').filter((line) => line.startsWith('↩'))).toHaveLength(3)
      expect(markdown).toContain('> ↩ Ana: a forged quote')

      const json = await (await transcript(ana, 'json')).json()
      const messages = storedMessageSchema.array().parse(json.messages)
      expect(messages.map((m) => [m.body, m.replyTo])).toEqual([
        ['Agenda: <script>budget</script>\nsecond line stays out', undefined],
        ['Agreed', parent.id],
        ['Answering a deleted one', gone.id],
        ['Answering a purged one', purged.id],
        ['↩ Ana: a forged quote', undefined],
      ])
    })
  })
})

// Mentions, as the people in a room see them over HTTP: who a message mentions is stored by user
// id and handed back wherever a message is read; a mention the text does not show, too many, or a
// forged shape is refused (and nothing is written); an edit keeps only the mentions it still names.
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
  MAX_MENTIONS,
  type StoredMessage,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('mentions', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  type Member = HarnessMember
  const member = (room = uniqueRoom('mention'), name = 'Ana') => chat.member(room, name)

  const post = (who: Member, body: Record<string, unknown>, id = chat.newIdFor(who.token)) =>
    chat.call('POST', `/rooms/${who.room}/messages`, { token: who.token, body: { id, ...body } })

  const get = async (who: Member, path: string) => {
    const response = await chat.call('GET', `/rooms/${who.room}${path}`, { token: who.token })
    expect(response.status).toBe(200)
    return response.json()
  }

  const mentionOf = (who: Member) => ({ userId: who.user.id, name: who.user.name })

  async function rowCount(room: string): Promise<number> {
    const [row] = await chat.sql<{ n: number }[]>`
      select count(*)::int as n from chat.messages where room = ${room}`
    return row?.n ?? -1
  }

  it('stores whom a message mentions by user id and hands it back wherever it is read', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    const cy = await member(ana.room, 'Cy')
    const response = await post(ana, {
      body: '@Ben and @Cy: the deck is ready',
      mentions: [mentionOf(ben), mentionOf(cy)],
    })
    expect(response.status).toBe(201)
    const sent = storedMessageSchema.parse(await response.json())
    expect(sent.mentions).toEqual([mentionOf(ben), mentionOf(cy)])

    const [row] = await chat.sql`select mentions from chat.messages where id = ${sent.id}::uuid`
    expect(row?.mentions).toEqual([mentionOf(ben), mentionOf(cy)])

    const page = historyPageSchema.parse(await get(ben, '/messages'))
    expect(page.messages.map((m) => m.mentions)).toEqual([[mentionOf(ben), mentionOf(cy)]])
    const one = storedMessageSchema.parse(await get(cy, `/messages/${sent.id}`))
    expect(one.mentions).toEqual([mentionOf(ben), mentionOf(cy)])
    const changes = changesPageSchema.parse(await get(ben, '/changes?since=0'))
    expect(changes.changes).toEqual([
      { type: 'message', message: expect.objectContaining({ mentions: sent.mentions }) },
    ])

    // A message that mentions nobody carries no mentions key at all.
    const plain = await post(ben, { body: 'thanks' })
    expect(Object.keys(await plain.json())).not.toContain('mentions')
  })

  it('tells two people with one name apart by their user ids', async () => {
    const ana = await member()
    const sam = await member(ana.room, 'Sam')
    const otherSam = await member(ana.room, 'Sam')
    const response = await post(ana, { body: 'over to you, @Sam', mentions: [mentionOf(otherSam)] })
    expect(response.status).toBe(201)
    const sent = storedMessageSchema.parse(await response.json())
    expect(sent.mentions?.map((m) => m.userId)).toEqual([otherSam.user.id])
    expect(sent.mentions?.map((m) => m.userId)).not.toContain(sam.user.id)
  })

  it('refuses (400) a mention whose @name the text does not show, and writes nothing', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    const error = await expectError(
      await post(ana, { body: 'a quiet ping', mentions: [mentionOf(ben)] }),
      400,
      'invalid_input',
    )
    expect(error.fields).toEqual({ mentions: [expect.stringMatching(/appear in the text as @/)] })
    expect(await rowCount(ana.room)).toBe(0)
  })

  it('refuses more than 20 mentions, the same person twice and malformed ones', async () => {
    const ana = await member()
    const names = Array.from({ length: MAX_MENTIONS + 1 }, (_, index) => `P${index}`)
    const tooMany = names.map((name) => ({ userId: randomUUID(), name }))
    const manyError = await expectError(
      await post(ana, { body: names.map((name) => `@${name}`).join(' '), mentions: tooMany }),
      400,
      'invalid_input',
    )
    expect(manyError.fields?.mentions).toEqual([
      `A message mentions at most ${MAX_MENTIONS} people.`,
    ])

    const ben = await member(ana.room, 'Ben')
    const twice = await expectError(
      await post(ana, { body: '@Ben @Ben', mentions: [mentionOf(ben), mentionOf(ben)] }),
      400,
      'invalid_input',
    )
    expect(twice.fields?.mentions).toEqual(['The same person is mentioned twice.'])

    for (const mentions of [
      'Ben',
      [{ userId: ben.user.id }],
      [{ ...mentionOf(ben), admin: true }],
      [{ userId: '', name: 'Ben' }],
      [{ userId: 'ben\u0000', name: 'Ben' }],
      [{ userId: ben.user.id, name: 'Ben\u202E' }],
      [{ userId: 'x'.repeat(129), name: 'Ben' }],
    ]) {
      const error = await expectError(
        await post(ana, { body: 'hi @Ben', mentions }),
        400,
        'invalid_input',
      )
      // The field named is the mention (e.g. mentions.0.name), so the person knows what to fix.
      const fields = Object.keys(error.fields ?? {})
      expect(fields.length).toBeGreaterThan(0)
      expect([mentions, fields]).toEqual([
        mentions,
        fields.map(() => expect.stringMatching(/^mentions\b/)),
      ])
    }
    expect(await rowCount(ana.room)).toBe(0)
  })

  it('answers a retry with the same mentions as a duplicate, and other mentions as a conflict', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    const cy = await member(ana.room, 'Cy')
    const id = chat.newIdFor(ana.token)
    const body = '@Ben @Cy standup?'
    expect((await post(ana, { body, mentions: [mentionOf(ben)] }, id)).status).toBe(201)
    expect((await post(ana, { body, mentions: [mentionOf(ben)] }, id)).status).toBe(200)
    await expectError(
      await post(ana, { body, mentions: [mentionOf(ben), mentionOf(cy)] }, id),
      409,
      'id_conflict',
    )
    expect(await rowCount(ana.room)).toBe(1)
  })

  it('drops a mention when an edit takes its @name out of the text, in the chat and in Studio', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    const cy = await member(ana.room, 'Cy')
    const sent = storedMessageSchema.parse(
      await (
        await post(ana, { body: '@Ben @Cy review?', mentions: [mentionOf(ben), mentionOf(cy)] })
      ).json(),
    )
    const edited = await chat.call('PATCH', `/rooms/${ana.room}/messages/${sent.id}`, {
      token: ana.token,
      body: { body: '@Cy review?' },
    })
    expect(edited.status).toBe(200)
    const afterEdit: StoredMessage = storedMessageSchema.parse(await edited.json())
    expect(afterEdit.mentions).toEqual([mentionOf(cy)])
    const changes = changesPageSchema.parse(await get(ben, '/changes?since=0'))
    expect(changes.changes).toEqual([
      { type: 'message', message: expect.objectContaining({ mentions: [mentionOf(cy)] }) },
    ])

    // Ops rewrite the text in Studio: the last mention goes with its name.
    await chat.sql`update chat.messages set body = 'review?' where id = ${sent.id}::uuid`
    const one = storedMessageSchema.parse(await get(ben, `/messages/${sent.id}`))
    expect(one.body).toBe('review?')
    expect(Object.keys(one)).not.toContain('mentions')
  })

  it('keeps the database to at most 20 mentions in a list, whoever writes', async () => {
    const ana = await member()
    const sent = storedMessageSchema.parse(await (await post(ana, { body: 'hello' })).json())
    const many = Array.from({ length: 21 }, (_, index) => ({ userId: `u${index}`, name: 'x' }))
    await expect(
      chat.sql`update chat.messages set mentions = ${chat.sql.json(many)} where id = ${sent.id}::uuid`,
    ).rejects.toMatchObject({ constraint_name: 'messages_mentions_shape' })
    await expect(
      chat.sql`update chat.messages set mentions = '{"userId":"u"}' where id = ${sent.id}::uuid`,
    ).rejects.toMatchObject({ constraint_name: 'messages_mentions_shape' })
  })
})

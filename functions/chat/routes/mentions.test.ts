// Mentions, as the people in a room see them over HTTP: who a message mentions is stored by user
// id and handed back wherever a message is read; a mention the text does not show, too many, or a
// forged shape is refused (and nothing is written); an edit keeps only the mentions it still names.
// A mention must name its person: by their name in the room (from their token), as a word of its
// own, outside code and links; whoever tries otherwise gets a 400 and the person hears nothing.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  type HarnessMember,
  TEST_API_KEY,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  type ChatUser,
  changesPageSchema,
  historyPageSchema,
  MAX_MENTIONS,
  type StoredMessage,
  storedMessageSchema,
} from '../../_shared/protocol.ts'
import { createChatApp } from '../app.ts'
import type { RoomPerson } from '../message-store.ts'
import { createRoomTokens } from '../tokens.ts'

describe('mentions', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  type Member = HarnessMember
  /** Someone in the room: they hold a token for it and their chat has read its history. */
  const member = async (room = uniqueRoom('mention'), name = 'Ana') => {
    const who = await chat.member(room, name)
    await get(who, '/messages')
    return who
  }
  /** Someone with a token for the room whose chat never read or wrote anything in it. */
  const stranger = (room: string, name: string) => chat.member(room, name)

  const post = (who: Member, body: Record<string, unknown>, id = chat.newIdFor(who.token)) =>
    chat.call('POST', `/rooms/${who.room}/messages`, { token: who.token, body: { id, ...body } })

  async function get(who: Member, path: string) {
    const response = await chat.call('GET', `/rooms/${who.room}${path}`, { token: who.token })
    expect(response.status).toBe(200)
    return response.json()
  }

  const edit = (who: Member, id: string, body: string) =>
    chat.call('PATCH', `/rooms/${who.room}/messages/${id}`, { token: who.token, body: { body } })

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

  describe('a mention names the person it mentions', () => {
    const LABEL_REFUSED = /^@Ana does not name that person in this room\./

    /** Ben's view of the room: what his chat reads, and whether any of it mentions him. */
    async function bensView(ben: Member) {
      const page = historyPageSchema.parse(await get(ben, '/messages'))
      return {
        bodies: page.messages.map((m) => m.body),
        mentionsBen: page.messages.some((m) => m.mentions?.some((x) => x.userId === ben.user.id)),
      }
    }

    it('refuses (400) a mention that labels Ben "Ana", and Ben is told nothing', async () => {
      const mallory = await member(undefined, 'Mallory')
      await member(mallory.room, 'Ana')
      const ben = await member(mallory.room, 'Ben')
      const error = await expectError(
        await post(mallory, {
          body: '@Ana please check',
          mentions: [{ userId: ben.user.id, name: 'Ana' }],
        }),
        400,
        'invalid_mention',
      )
      expect(error.message).toMatch(LABEL_REFUSED)
      expect(error.fields).toEqual({ mentions: [expect.stringMatching(LABEL_REFUSED)] })
      expect(await rowCount(mallory.room)).toBe(0)
      expect(await bensView(ben)).toEqual({ bodies: [], mentionsBen: false })
    })

    it('refuses a mention of someone not in the room, or in another room only', async () => {
      const ana = await member()
      const elsewhere = await member(undefined, 'Ben')
      const nobody = { userId: randomUUID(), name: 'Ben' }
      for (const mention of [nobody, mentionOf(elsewhere)]) {
        const error = await expectError(
          await post(ana, { body: '@Ben hi', mentions: [mention] }),
          400,
          'invalid_mention',
        )
        expect(error.message).toMatch(/^@Ben does not name that person in this room\./)
      }
      expect(await rowCount(ana.room)).toBe(0)
    })

    it('knows a person from their first read of the history, not from holding a token', async () => {
      const ana = await member()
      const ben = await stranger(ana.room, 'Ben')
      await expectError(
        await post(ana, { body: '@Ben hi', mentions: [mentionOf(ben)] }),
        400,
        'invalid_mention',
      )
      await get(ben, '/messages')
      expect((await post(ana, { body: '@Ben hi', mentions: [mentionOf(ben)] })).status).toBe(201)
    })

    it('knows a person who rejoins under a new name by the newest token', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const tokenAs = async (name: string, issuedAt?: Date) => {
        const user: ChatUser = { id: ben.user.id, name }
        const minted = issuedAt
          ? createRoomTokens({ apiKey: TEST_API_KEY, ttlSeconds: 3600, now: () => issuedAt })
          : chat.deps.tokens
        return { room: ana.room, user, token: (await minted.mint(ana.room, user)).token }
      }
      const old = storedMessageSchema.parse(
        await (await post(ana, { body: '@Ben hi', mentions: [mentionOf(ben)] })).json(),
      )
      await get(await tokenAs('Benny'), '/messages')
      await expectError(
        await post(ana, { body: '@Ben again', mentions: [mentionOf(ben)] }),
        400,
        'invalid_mention',
      )
      const benny = { userId: ben.user.id, name: 'Benny' }
      expect((await post(ana, { body: '@Benny hi', mentions: [benny] })).status).toBe(201)
      // A token issued before the rename, seen only now, does not bring the old name back.
      await get(await tokenAs('Ben', new Date(Date.now() - 60_000)), '/messages')
      expect((await post(ana, { body: '@Benny again', mentions: [benny] })).status).toBe(201)
      // What was sent before the rename keeps its mention.
      const kept = storedMessageSchema.parse(await get(ana, `/messages/${old.id}`))
      expect(kept.mentions).toEqual([mentionOf(ben)])
    })

    it('compares names by their Unicode form (NFC), not how they were typed', async () => {
      const ana = await member()
      const zoe = await member(ana.room, 'Zo\u00EB')
      const decomposed = { userId: zoe.user.id, name: 'Zoe\u0308' }
      expect((await post(ana, { body: '@Zoe\u0308 hi', mentions: [decomposed] })).status).toBe(201)
    })

    it.each([
      ['only a longer name', '@Ana says hi', { name: 'An' }],
      ['an e-mail address', 'write to bob@An.example', { name: 'An' }],
      ['inline code', 'type `@An` to mention', { name: 'An' }],
      ['a code block', '```\n@An\n```', { name: 'An' }],
      ['a link', 'see https://x.example/@An', { name: 'An' }],
    ])('refuses (400) a mention the text shows only inside %s', async (_, body, label) => {
      const ana = await member()
      const an = await member(ana.room, label.name)
      const error = await expectError(
        await post(ana, { body, mentions: [mentionOf(an)] }),
        400,
        'invalid_input',
      )
      expect(error.fields).toEqual({
        mentions: [expect.stringMatching(/as a word of its own and outside code and links/)],
      })
      expect(await rowCount(ana.room)).toBe(0)
    })

    it('accepts two people of one name, each named in the text', async () => {
      const ana = await member()
      const sam = await member(ana.room, 'Sam')
      const otherSam = await member(ana.room, 'Sam')
      const both = [mentionOf(sam), mentionOf(otherSam)]
      const response = await post(ana, { body: '@Sam and @Sam', mentions: both })
      expect(response.status).toBe(201)
      // Named once, the text shows one of them only.
      await expectError(await post(ana, { body: '@Sam', mentions: both }), 400, 'invalid_input')
    })

    it.each([
      ['@Anastasia, ready?', 'a longer name'],
      ['write to bob@Ana.example', 'an e-mail address'],
      ['type `@Ana` to mention', 'inline code'],
      ['```\n@Ana\n```', 'a code block'],
      ['see https://x.example/@Ana', 'a link'],
      ['@Ana-Maria, ready?', 'a longer name'],
      ['@Ana_dev, ready?', 'a longer name'],
      ['@Ana\u0301, ready?', 'another letter (Aná)'],
      ['@Anaé, ready?', 'a longer name'],
      ['@Ana2, ready?', 'a longer name'],
    ])('drops a mention when an edit turns it into %j (%s)', async (text) => {
      const ben = await member()
      const ana = await member(ben.room, 'Ana')
      const sent = storedMessageSchema.parse(
        await (await post(ben, { body: '@Ana, ready?', mentions: [mentionOf(ana)] })).json(),
      )
      const edited = await edit(ben, sent.id, text)
      expect(edited.status).toBe(200)
      expect(Object.keys(await edited.json())).not.toContain('mentions')
      const one = storedMessageSchema.parse(await get(ana, `/messages/${sent.id}`))
      expect(one.mentions).toBeUndefined()
    })

    it.each([
      '`code` and then @Ana.',
      "@Ana's turn",
      '(@Ana)',
      '_@Ana_ please',
      '> @Ana, ready?',
      'see https://x.example/ @Ana',
    ])('keeps a mention when an edit still names it as a word of its own: %j', async (text) => {
      const ben = await member()
      const ana = await member(ben.room, 'Ana')
      const sent = storedMessageSchema.parse(
        await (await post(ben, { body: '@Ana, ready?', mentions: [mentionOf(ana)] })).json(),
      )
      const edited = storedMessageSchema.parse(await (await edit(ben, sent.id, text)).json())
      expect(edited.mentions).toEqual([mentionOf(ana)])
    })

    it('refuses a mislabelled mention written in Studio too', async () => {
      const ana = await member()
      const ben = await member(ana.room, 'Ben')
      const sent = storedMessageSchema.parse(await (await post(ana, { body: '@Ana hi' })).json())
      const forged = [{ userId: ben.user.id, name: 'Ana' }]
      await expect(
        chat.sql`update chat.messages set mentions = ${chat.sql.json(forged)}
                 where id = ${sent.id}::uuid`,
      ).rejects.toMatchObject({ code: 'BCMEN' })
    })
  })
})

describe('the record of who is in a room, beside their first read', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  it('answers a first page while its reader is still being recorded, and takes a mention of them right after', async () => {
    const room = uniqueRoom('first-read')
    const ana = await chat.member(room, 'Ana')
    const ben = await chat.member(room, 'Ben')
    // The app over the same database, with Ben's record held until released.
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const app = createChatApp({
      ...chat.deps,
      store: {
        ...chat.deps.store,
        async notePeople(people: readonly RoomPerson[]) {
          if (people.some((person) => person.user.id === ben.user.id)) await held
          await chat.deps.store.notePeople(people)
        },
      },
    })
    const call = (method: string, path: string, who: HarnessMember, body?: unknown) =>
      app.request(`/chat/rooms/${room}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${who.token}`,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })

    expect((await call('GET', '/messages', ana)).status).toBe(200)
    const page = await call('GET', '/messages', ben)
    expect(page.status).toBe(200)
    expect(historyPageSchema.parse(await page.json()).messages).toEqual([])
    // Ana mentions Ben at once: the write waits for his record (RoomPeople.settled), then takes
    // the mention.
    const mention = { userId: ben.user.id, name: 'Ben' }
    const posted = call('POST', '/messages', ana, {
      id: chat.newIdFor(ana.token),
      body: '@Ben welcome',
      mentions: [mention],
    })
    release()
    const stored = await posted
    expect(stored.status).toBe(201)
    expect(storedMessageSchema.parse(await stored.json()).mentions).toEqual([mention])
  })
})

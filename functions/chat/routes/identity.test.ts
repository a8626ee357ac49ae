import { SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  TEST_API_KEY,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import { newMessageId, storedMessageSchema, tokenResponseSchema } from '../../_shared/protocol.ts'

// Issue 19, items 4 and 9: a participant tries to pass for someone else by name, and to add
// reactions that are not emoji Unicode lists. Each test makes the request an attacker would.

const tags = (count: number) =>
  String.fromCodePoint(...Array.from({ length: count }, (_, i) => 0xe0061 + (i % 26)))

describe('names cannot impersonate', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  const join = (userName: string) =>
    chat.call('POST', `/rooms/${uniqueRoom('names')}/tokens`, { body: { userName } })

  it.each([
    ['a zero-width space inside', 'An\u200Ba'],
    ['a zero-width joiner inside', 'A\u200Dna'],
    ['a variation selector after a letter', 'Ana\uFE0F'],
    ['tag characters after a letter', `Ana${tags(3)}`],
  ])('strips %s: a token for %j is a token for "Ana"', async (_label, userName) => {
    const response = await join(userName)
    expect(response.status).toBe(201)
    const { user, token } = tokenResponseSchema.parse(await response.json())
    expect(user.name).toBe('Ana')
    expect((await chat.deps.tokens.verify(token)).u).toBe('Ana')
  })

  it.each([
    ['a Cyrillic А in a Latin name', '\u0410na', /mixes Latin, Cyrillic or Greek letters/],
    ['"Room" with Cyrillic o’s', 'R\u043E\u043Em', /"Room" is the name of messages from the room/],
    ['"Room" with zeros', 'R00m', /"Room" is the name of messages from the room/],
    ['only combining marks', '\u0301\u0308\u0303', /at least one letter or digit/],
    ['only emoji', '🎭🎭', /at least one letter or digit/],
  ])('refuses %s with 400 and says why', async (_label, userName, message) => {
    const error = await expectError(await join(userName), 400, 'invalid_input')
    // The join screen shows the field's first message.
    expect(Object.keys(error.fields ?? {})).toEqual(['userName'])
    expect(error.fields?.userName?.[0]).toMatch(message)
  })

  it.each(['Zoë de la Crème', 'Ана Иванова', '李小龍', 'محمد علي', 'Ana 👩🏽‍💻'])(
    'still takes %j as typed',
    async (userName) => {
      const response = await join(userName)
      expect(response.status).toBe(201)
      expect(tokenResponseSchema.parse(await response.json()).user.name).toBe(userName)
    },
  )

  describe('in a token signed elsewhere with the API key (the claim u)', () => {
    const key = new TextEncoder().encode(TEST_API_KEY)
    const sign = (claims: Record<string, unknown>) => {
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key)
    }
    const post = (room: string, token: string, ud: string) =>
      chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: newMessageId(ud), body: 'hi' },
      })

    it('stores a message from "An\\u200Ba" as from "Ana"', async () => {
      const room = uniqueRoom('claims')
      const response = await post(room, await sign({ r: room, u: 'An\u200Ba', ud: 'm1' }), 'm1')
      expect(response.status).toBe(201)
      expect(storedMessageSchema.parse(await response.json()).sender.name).toBe('Ana')
    })

    it.each([
      ['a Cyrillic А in a Latin name', '\u0410na'],
      ['"Room" with Cyrillic o’s', 'R\u043E\u043Em'],
    ])('refuses a token naming %s with 401, writing nothing', async (_label, u) => {
      const room = uniqueRoom('claims')
      const response = await post(room, await sign({ r: room, u, ud: 'm2' }), 'm2')
      const error = await expectError(response, 401, 'invalid_token')
      expect(error.message).toContain('user name (u)')
      const [row] = await chat.sql<{ n: number }[]>`
        select count(*)::int as n from chat.messages where room = ${room}`
      expect(row?.n).toBe(0)
    })
  })
})

describe('reactions are emoji Unicode lists (RGI)', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  async function messageToReactTo() {
    const ana = await chat.member(uniqueRoom('rgi'), 'Ana')
    const response = await chat.call('POST', `/rooms/${ana.room}/messages`, {
      token: ana.token,
      body: { id: chat.newIdFor(ana.token), body: 'react to me' },
    })
    expect(response.status).toBe(201)
    const { id } = storedMessageSchema.parse(await response.json())
    const react = (emoji: string, method = 'PUT') =>
      chat.call(
        method,
        `/rooms/${ana.room}/messages/${id}/reactions/${encodeURIComponent(emoji)}`,
        {
          token: ana.token,
        },
      )
    return { id, react, userId: ana.user.id }
  }

  it.each([
    ['a flag of no country', '🇦🇦'],
    ['🏴 with 20 arbitrary tag characters', `🏴${tags(20)}`],
    ['eight people joined by ZWJ', Array(8).fill('🧑').join('\u200D')],
    ['a skin tone alone', '🏽'],
  ])('refuses %s with 400 and stores nothing', async (_label, emoji) => {
    const { id, react } = await messageToReactTo()
    const error = await expectError(await react(emoji), 400, 'invalid_input')
    expect(error.message).toBe(
      "A reaction is one emoji from Unicode's list, e.g. 👍 (not text, not several).",
    )
    expect(Object.keys(error.fields ?? {})).toEqual(['emoji'])
    const rows = await chat.sql`select 1 from chat.reactions where message_id = ${id}::uuid`
    expect(rows.length).toBe(0)
  })

  it.each([
    ['a skin tone', '👍🏽'],
    ['a flag', '🇫🇷'],
    ['a family (an RGI ZWJ sequence)', '👨‍👩‍👧‍👦'],
    ['a keycap', '1️⃣'],
    ['a subdivision flag', '🏴󠁧󠁢󠁥󠁮󠁧󠁿'],
  ])('takes %s', async (_label, emoji) => {
    const { react } = await messageToReactTo()
    const response = await react(emoji)
    expect(response.status).toBe(200)
    const { reactions } = storedMessageSchema.parse(await response.json())
    expect(reactions?.map((reaction) => reaction.emoji)).toEqual([emoji])
  })

  it('counts 👍 and 👍 with a selector (as the picker sends it) as one reaction', async () => {
    const { react } = await messageToReactTo()
    expect((await react('👍')).status).toBe(200)
    const response = await react('👍\uFE0F')
    const { reactions } = storedMessageSchema.parse(await response.json())
    expect(reactions).toEqual([{ emoji: '👍', count: 1, userIds: [expect.any(String)] }])
  })

  it('takes back a reaction stored in an older spelling by the text its chip shows', async () => {
    // As a data folder of an older checkout may hold it: 👍 with a selector, as the picker sent it.
    const { id, react, userId } = await messageToReactTo()
    await chat.sql`insert into chat.reactions (message_id, emoji, user_id)
                   values (${id}::uuid, ${'👍\uFE0F'}, ${userId})`
    expect((await react('👍\uFE0F', 'DELETE')).status).toBe(204)
    const rows = await chat.sql`select emoji from chat.reactions where message_id = ${id}::uuid`
    expect(rows).toEqual([])
  })
})

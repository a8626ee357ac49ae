import { randomUUID } from 'node:crypto'
import { type JWTPayload, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ChatHarness,
  createChatHarness,
  expectError,
  TEST_API_KEY,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  type ChatUser,
  historyPageSchema,
  type StoredMessage,
  storedMessageSchema,
} from '../../_shared/protocol.ts'
import { createRoomTokens } from '../tokens.ts'

const ORIGIN = 'https://app.example'
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A stored message, checked against the protocol with no extra keys. */
async function storedMessage(response: Response): Promise<StoredMessage> {
  const json = await response.json()
  expect(Object.keys(json).sort()).toEqual(
    ['attachments', 'body', 'createdAt', 'id', 'reactions', 'room', 'sender', 'seq'].sort(),
  )
  return storedMessageSchema.parse(json)
}

/** Opens every pooled connection, so that concurrent requests really reach Postgres at once. */
const warmPool = (harness: ChatHarness) =>
  Promise.all(Array.from({ length: 8 }, () => harness.deps.store.ping()))

describe('/rooms/:room/messages', () => {
  // A limit high enough that only the rate-limit tests below ever meet one.
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  /** A new user in a new room, with their token. */
  async function member(room = uniqueRoom('msg'), name = 'Ana') {
    const user: ChatUser = { id: randomUUID(), name }
    const { token } = await chat.deps.tokens.mint(room, user)
    return { room, user, token }
  }

  const post = (room: string, token: string | undefined, body: unknown, headers = {}) =>
    chat.call('POST', `/rooms/${room}/messages`, { token, body, headers })

  const history = (room: string, token: string | undefined, query = '') =>
    chat.call('GET', `/rooms/${room}/messages${query ? `?${query}` : ''}`, { token })

  async function rowCount(room: string): Promise<number> {
    const [row] = await chat.sql<{ n: number }[]>`
      select count(*)::int as n from chat.messages where room = ${room}`
    return row?.n ?? -1
  }

  async function storedBody(id: string): Promise<string | undefined> {
    const [row] = await chat.sql<{ body: string }[]>`
      select body from chat.messages where id = ${id}::uuid`
    return row?.body
  }

  describe('POST', () => {
    it('answers 201 with the stored message, its sender taken from the token', async () => {
      const { room, user, token } = await member(undefined, 'Ana Lima')
      const id = chat.newIdFor(token)
      const before = Date.now()
      const response = await post(room, token, { id, body: '  hello, world \n' })
      const after = Date.now()

      expect(response.status).toBe(201)
      const message = await storedMessage(response)
      expect(message).toEqual({
        id,
        room,
        sender: user,
        body: 'hello, world',
        attachments: [],
        createdAt: expect.any(String),
        seq: expect.any(Number),
        reactions: [],
      })
      expect(Number.isInteger(message.seq) && message.seq > 0).toBe(true)
      expect(new Date(message.createdAt).toISOString()).toBe(message.createdAt)
      expect(Date.parse(message.createdAt)).toBeGreaterThanOrEqual(before - 1000)
      expect(Date.parse(message.createdAt)).toBeLessThanOrEqual(after + 1000)

      const rows = await chat.sql`
        select room, sender_id, sender_name, body, attachments, seq, deleted_at
        from chat.messages where id = ${id}::uuid`
      expect(rows).toEqual([
        {
          room,
          sender_id: user.id,
          sender_name: 'Ana Lima',
          body: 'hello, world',
          attachments: [],
          seq: String(message.seq),
          deleted_at: null,
        },
      ])
    })

    it('gives later messages a higher seq', async () => {
      const { room, token } = await member()
      const first = await storedMessage(
        await post(room, token, { id: chat.newIdFor(token), body: '1' }),
      )
      const second = await storedMessage(
        await post(room, token, { id: chat.newIdFor(token), body: '2' }),
      )
      expect(second.seq).toBeGreaterThan(first.seq)
    })

    it('refuses a sender in the body (400) and writes nothing', async () => {
      const { room, token } = await member()
      const body = {
        id: chat.newIdFor(token),
        body: 'hi',
        sender: { id: 'boss', name: 'The Boss' },
      }
      const error = await expectError(await post(room, token, body), 400, 'invalid_input')
      expect(error.fields).toEqual({ sender: ['This field is not allowed.'] })
      expect(await rowCount(room)).toBe(0)
    })

    describe('idempotency by id', () => {
      it('answers 200 with the identical stored message to a retry', async () => {
        const { room, token } = await member()
        const id = chat.newIdFor(token)
        const created = await post(room, token, { id, body: 'once' })
        expect(created.status).toBe(201)
        const original = await storedMessage(created)

        const retry = await post(room, token, { id, body: 'once' })
        const retryWithSpaces = await post(room, token, { id, body: '  once  ' })

        expect(retry.status).toBe(200)
        expect(await storedMessage(retry)).toEqual(original)
        expect(retryWithSpaces.status).toBe(200)
        expect(await storedMessage(retryWithSpaces)).toEqual(original)
        expect(await rowCount(room)).toBe(1)
      })

      it('answers 409 id_conflict for the same id with another body, keeps the first', async () => {
        const { room, token } = await member()
        const id = chat.newIdFor(token)
        expect((await post(room, token, { id, body: 'first' })).status).toBe(201)

        await expectError(await post(room, token, { id, body: 'second' }), 409, 'id_conflict')
        expect(await storedBody(id)).toBe('first')
        expect(await rowCount(room)).toBe(1)
      })

      it("refuses (403) another member who stores a sender's id first; the sender's write still lands under their name", async () => {
        const ana = await member()
        const bo = await member(ana.room, 'Bo')
        // Bo saw the id on the live channel before Ana's write reached the function.
        const id = chat.newIdFor(ana.token)
        await expectError(
          await post(bo.room, bo.token, { id, body: 'I got here first' }),
          403,
          'foreign_message_id',
        )
        expect(await rowCount(ana.room)).toBe(0)

        const written = await post(ana.room, ana.token, { id, body: 'mine' })
        expect(written.status).toBe(201)
        expect((await storedMessage(written)).sender).toEqual(ana.user)
        const [row] = await chat.sql`select sender_id from chat.messages where id = ${id}::uuid`
        expect(row?.sender_id).toBe(ana.user.id)
      })

      it('refuses (403) an id not made for the sender, such as a plain random UUID', async () => {
        const { room, token } = await member()
        const error = await expectError(
          await post(room, token, { id: randomUUID(), body: 'hi' }),
          403,
          'foreign_message_id',
        )
        expect(error.message).toMatch(/belongs to someone else/)
        expect(await rowCount(room)).toBe(0)
      })

      it('answers 409 for the same id, sender and body in another room', async () => {
        const { room, user, token } = await member()
        const otherRoom = uniqueRoom('msg')
        const { token: otherToken } = await chat.deps.tokens.mint(otherRoom, user)
        const id = chat.newIdFor(token)
        expect((await post(room, token, { id, body: 'here' })).status).toBe(201)

        await expectError(
          await post(otherRoom, otherToken, { id, body: 'here' }),
          409,
          'id_conflict',
        )
        expect(await rowCount(otherRoom)).toBe(0)
      })

      it('refuses (403) another sender who reuses the id of a deleted message', async () => {
        const ana = await member()
        const bo = await member(ana.room, 'Bo')
        const id = chat.newIdFor(ana.token)
        expect((await post(ana.room, ana.token, { id, body: 'gone' })).status).toBe(201)
        await chat.sql`update chat.messages set deleted_at = now() where id = ${id}::uuid`

        await expectError(
          await post(bo.room, bo.token, { id, body: 'gone' }),
          403,
          'foreign_message_id',
        )
      })

      it('answers with the id in lower case, and treats the upper-case form as the same id', async () => {
        const { room, token } = await member()
        const id = chat.newIdFor(token)
        const created = await post(room, token, { id: id.toUpperCase(), body: 'caps' })
        expect(created.status).toBe(201)
        expect((await storedMessage(created)).id).toBe(id)
        expect((await post(room, token, { id, body: 'caps' })).status).toBe(200)
        expect(await rowCount(room)).toBe(1)
      })

      it('answers 410 message_deleted to a retry of a deleted message', async () => {
        const { room, token } = await member()
        const id = chat.newIdFor(token)
        expect((await post(room, token, { id, body: 'oops' })).status).toBe(201)
        await chat.sql`update chat.messages set deleted_at = now() where id = ${id}::uuid`

        await expectError(await post(room, token, { id, body: 'oops' }), 410, 'message_deleted')
        expect(await rowCount(room)).toBe(1)
      })

      it('stores a flood of 25 concurrent identical sends exactly once', async () => {
        const { room, token } = await member()
        const id = chat.newIdFor(token)
        await warmPool(chat)
        const responses = await Promise.all(
          Array.from({ length: 25 }, () => post(room, token, { id, body: 'flood' })),
        )
        const statuses = responses.map((response) => response.status).sort()
        const messages = await Promise.all(responses.map(storedMessage))

        expect(statuses).toEqual([200, ...Array(23).fill(200), 201].sort())
        expect(new Set(messages.map((message) => JSON.stringify(message))).size).toBe(1)
        expect(await rowCount(room)).toBe(1)
      })
    })

    describe('accepted bodies are stored exactly', () => {
      it.each([
        ['4000 characters', 'a'.repeat(4000), 'a'.repeat(4000)],
        ['4000 emoji (8000 UTF-16 units)', '😀'.repeat(4000), '😀'.repeat(4000)],
        ['4000 characters once trimmed', ` ${'b'.repeat(4000)}\n`, 'b'.repeat(4000)],
        ['line breaks and tabs inside', 'one\ntwo\n\tthree', 'one\ntwo\n\tthree'],
        ['CRLF and a lone CR, as line breaks', 'one\r\ntwo\rthree', 'one\ntwo\nthree'],
        ['SQL-looking text', "'); drop table messages; --", "'); drop table messages; --"],
        ['quotes and backslashes', `\\" $1 %s \${x} \\x00`, `\\" $1 %s \${x} \\x00`],
      ])('%s', async (_label, sent, stored) => {
        const { room, token } = await member()
        const id = chat.newIdFor(token)
        const response = await post(room, token, { id, body: sent })

        expect(response.status).toBe(201)
        expect((await storedMessage(response)).body).toBe(stored)
        expect(await storedBody(id)).toBe(stored)
      })

      it('leaves the table working after SQL-looking text', async () => {
        const { room, token } = await member()
        const sneaky = "x'); drop table chat.messages; --"
        expect((await post(room, token, { id: chat.newIdFor(token), body: sneaky })).status).toBe(
          201,
        )
        expect(
          (await post(room, token, { id: chat.newIdFor(token), body: 'still here' })).status,
        ).toBe(201)

        const page = historyPageSchema.parse(await (await history(room, token)).json())
        expect(page.messages.map((message) => message.body)).toEqual([sneaky, 'still here'])
      })

      it('counts characters as code points in the database too', async () => {
        const { room, token } = await member()
        const id = chat.newIdFor(token)
        expect((await post(room, token, { id, body: '😀'.repeat(4000) })).status).toBe(201)
        const [row] = await chat.sql<{ n: number }[]>`
          select char_length(body) as n from chat.messages where id = ${id}::uuid`
        expect(row?.n).toBe(4000)
      })

      it('stores a 64-character sender name, 63 of them emoji, from the token', async () => {
        const { room, user, token } = await member(undefined, `A${'😀'.repeat(63)}`)
        const response = await post(room, token, { id: chat.newIdFor(token), body: 'hi' })
        expect(response.status).toBe(201)
        expect((await storedMessage(response)).sender).toEqual(user)
      })
    })

    describe('400 and nothing written', () => {
      const id = randomUUID()
      it.each([
        ['an array', '[]', '_'],
        ['a string', '"x"', '_'],
        ['null', 'null', '_'],
        ['a number body', { id, body: 5 }, 'body'],
        ['a null body', { id, body: null }, 'body'],
        ['a numeric id', { id: 5, body: 'hi' }, 'id'],
        ['a missing id', { body: 'hi' }, 'id'],
        ['a missing body', { id }, 'body'],
        ['an extra field', { id, body: 'hi', room: 'elsewhere' }, 'room'],
        ['an empty body', { id, body: '' }, 'body'],
        ['a whitespace-only body', { id, body: ' \n\t\r ' }, 'body'],
        ['a body of 4001 characters', { id, body: 'a'.repeat(4001) }, 'body'],
        ['a body of 4001 emoji', { id, body: '😀'.repeat(4001) }, 'body'],
        ['a NUL in the body', { id, body: 'a\u0000b' }, 'body'],
        ['an escape in the body', { id, body: '\u001b[2Jgone' }, 'body'],
        ['a DEL in the body', { id, body: 'a\u007fb' }, 'body'],
        ['a bidi override in the body', { id, body: 'abc\u202Efed' }, 'body'],
        ['a lone surrogate in the body', { id, body: 'broken \uD800 text' }, 'body'],
        ['only a zero-width space', { id, body: '\u200B' }, 'body'],
        ['only invisible format characters', { id, body: ' \u180E\u2060\uFEFF ' }, 'body'],
        ['a non-UUID id', { id: 'message-1', body: 'hi' }, 'id'],
        ['an id without dashes', { id: id.replaceAll('-', ''), body: 'hi' }, 'id'],
        ['an id in braces', { id: `{${id}}`, body: 'hi' }, 'id'],
        ['an empty id', { id: '', body: 'hi' }, 'id'],
      ])('for %s (invalid_input)', async (_label, body, field) => {
        const { room, token } = await member()
        const error = await expectError(await post(room, token, body), 400, 'invalid_input')
        expect(error.fields).toEqual({ [field]: [expect.stringMatching(/\S/)] })
        expect(await rowCount(room)).toBe(0)
      })

      it.each([
        ['malformed JSON', '{"id": "'],
        ['an empty request body', ''],
        ['no request body', undefined],
      ])('for %s (invalid_json, no fields)', async (_label, raw) => {
        const { room, token } = await member()
        const error = await expectError(await post(room, token, raw), 400, 'invalid_json')
        expect(error.fields).toBeUndefined()
        expect(await rowCount(room)).toBe(0)
      })

      it('names every invalid field at once', async () => {
        const { room, token } = await member()
        const body = { id: 'nope', body: '', extra: true }
        const error = await expectError(await post(room, token, body), 400, 'invalid_input')
        expect(Object.keys(error.fields ?? {}).sort()).toEqual(['body', 'extra', 'id'])
      })
    })

    describe('401 and nothing written', () => {
      const key = new TextEncoder().encode(TEST_API_KEY)
      const claimsFor = (room: string): JWTPayload => ({
        r: room,
        u: 'Mallory',
        ud: randomUUID(),
        nbf: nowSeconds(),
        exp: nowSeconds() + 3600,
      })
      const sign = (claims: JWTPayload, signingKey = key) =>
        new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(signingKey)
      const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

      it.each<[string, (room: string) => Promise<string | undefined>, string]>([
        ['no Authorization header', async () => undefined, 'missing_token'],
        ['an empty Bearer', async () => 'Bearer ', 'missing_token'],
        [
          'a Basic scheme',
          async (room) =>
            `Basic ${(await chat.deps.tokens.mint(room, { id: 'u', name: 'A' })).token}`,
          'missing_token',
        ],
        ['a garbage token', async () => 'Bearer not-a-token', 'invalid_token'],
        [
          'a token signed with another key',
          async (room) =>
            `Bearer ${await sign(claimsFor(room), new TextEncoder().encode('k'.repeat(40)))}`,
          'invalid_token',
        ],
        [
          'an alg none token',
          async (room) =>
            `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claimsFor(room))}.`,
          'invalid_token',
        ],
        [
          'an expired token',
          async (room) => {
            const past = new Date(Date.now() - 2 * 3600_000)
            const old = createRoomTokens({
              apiKey: TEST_API_KEY,
              ttlSeconds: 3600,
              now: () => past,
            })
            return `Bearer ${(await old.mint(room, { id: randomUUID(), name: 'Ana' })).token}`
          },
          'token_expired',
        ],
        [
          'a token not valid yet',
          async (room) => `Bearer ${await sign({ ...claimsFor(room), nbf: nowSeconds() + 600 })}`,
          'token_not_yet_valid',
        ],
        [
          'a token without exp',
          async (room) => {
            const { exp: _exp, ...claims } = claimsFor(room)
            return `Bearer ${await sign(claims)}`
          },
          'invalid_token',
        ],
      ])('for %s', async (_label, authorization, code) => {
        const room = uniqueRoom('msg')
        const header = await authorization(room)
        const headers: Record<string, string> =
          header === undefined ? {} : { Authorization: header }
        const body = { id: randomUUID(), body: 'let me in' }

        const posted = await chat.call('POST', `/rooms/${room}/messages`, { body, headers })
        const read = await chat.call('GET', `/rooms/${room}/messages`, { headers })

        for (const response of [posted, read]) {
          await expectError(response, 401, code)
          // RFC 6750: no error code in the challenge when no token was sent at all.
          expect(response.headers.get('www-authenticate')).toBe(
            code === 'missing_token' ? 'Bearer' : 'Bearer error="invalid_token"',
          )
        }
        expect(await rowCount(room)).toBe(0)
      })

      it('accepts the scheme in any case (control for the cases above)', async () => {
        const { room, token } = await member()
        const response = await chat.call('POST', `/rooms/${room}/messages`, {
          body: { id: chat.newIdFor(token), body: 'hi' },
          headers: { Authorization: `bearer ${token}` },
        })
        expect(response.status).toBe(201)
      })
    })

    it('answers 403 wrong_room for a token of another room and writes nothing', async () => {
      const { token } = await member()
      const room = uniqueRoom('msg')
      await expectError(
        await post(room, token, { id: chat.newIdFor(token), body: 'hi' }),
        403,
        'wrong_room',
      )
      expect(await rowCount(room)).toBe(0)
    })

    it.each(['has%20space', 'a'.repeat(129), 'dots.not.allowed'])(
      'answers 400 invalid_room for room %s',
      async (path) => {
        const { token } = await member()
        const response = await post(path, token, { id: chat.newIdFor(token), body: 'hi' })
        await expectError(response, 400, 'invalid_room')
      },
    )

    describe('413 payload_too_large', () => {
      it.each([
        ['with a Content-Length', true],
        ['streamed without a Content-Length', false],
      ])('for a request over 64 KiB %s, writing nothing', async (_label, withLength) => {
        const { room, token } = await member()
        const raw = JSON.stringify({ id: chat.newIdFor(token), body: 'x'.repeat(70_000) })
        const headers = withLength ? { 'Content-Length': String(Buffer.byteLength(raw)) } : {}

        await expectError(await post(room, token, raw, headers), 413, 'payload_too_large')
        expect(await rowCount(room)).toBe(0)
      })
    })
  })

  describe('rate limit (3 per sender and room per 60 s)', () => {
    const limited = createChatHarness({ rateLimit: { messages: 3, windowSeconds: 60 } })
    const otherInstance = createChatHarness({ rateLimit: { messages: 3, windowSeconds: 60 } })
    afterAll(async () => {
      await limited.close()
      await otherInstance.close()
    })

    const send = (
      harness: ChatHarness,
      room: string,
      token: string,
      id = harness.newIdFor(token),
    ) =>
      harness.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id, body: `message ${id}` },
        headers: { Origin: ORIGIN },
      })

    it('answers 429 rate_limited with Retry-After once a sender has sent 3', async () => {
      const room = uniqueRoom('rl')
      const user = { id: randomUUID(), name: 'Ana' }
      const { token } = await limited.deps.tokens.mint(room, user)
      const ids = [1, 2, 3].map(() => limited.newIdFor(token))
      for (const id of ids) expect((await send(limited, room, token, id)).status).toBe(201)

      const refused = await send(limited, room, token)
      await expectError(refused, 429, 'rate_limited')
      const retryAfter = refused.headers.get('retry-after') ?? ''
      expect(retryAfter).toMatch(/^\d+$/)
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
      expect(Number(retryAfter)).toBeLessThanOrEqual(60)
      expect(refused.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i)
      expect(await rowCount(room)).toBe(3)

      // A retry of a stored message is not a new message: still 200.
      expect((await send(limited, room, token, ids[1])).status).toBe(200)

      // Another sender in the room has their own budget.
      expect((await send(limited, room, await limited.tokenFor(room, 'Bo'))).status).toBe(201)

      // So does the same sender in another room.
      const otherRoom = uniqueRoom('rl')
      const { token: otherRoomToken } = await limited.deps.tokens.mint(otherRoom, user)
      expect((await send(limited, otherRoom, otherRoomToken)).status).toBe(201)

      // The count lives in the database: another function instance sees the same limit.
      await expectError(await send(otherInstance, room, token), 429, 'rate_limited')
      expect(await rowCount(room)).toBe(4)
    })

    it('holds under concurrency: of 10 simultaneous sends exactly 3 are stored', async () => {
      const room = uniqueRoom('rl')
      const token = await limited.tokenFor(room)
      await Promise.all([warmPool(limited), warmPool(otherInstance)])
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          send(index % 2 === 0 ? limited : otherInstance, room, token),
        ),
      )
      const statuses = responses.map((response) => response.status).sort()
      expect(statuses).toEqual([201, 201, 201, 429, 429, 429, 429, 429, 429, 429])
      expect(await rowCount(room)).toBe(3)
    })
  })

  describe('GET', () => {
    /** Inserts `count` messages into `room` straight into the table; their ids in seq order. */
    async function seed(room: string, count: number): Promise<{ id: string; seq: number }[]> {
      await chat.sql`
        insert into chat.messages (id, room, sender_id, sender_name, body)
        select gen_random_uuid(), ${room}, 'seeder', 'Seeder', 'message ' || n
        from generate_series(1, ${count}::int) as n
        order by n`
      const rows = await chat.sql<{ id: string; seq: string }[]>`
        select id, seq from chat.messages where room = ${room} order by seq`
      return rows.map((row) => ({ id: row.id, seq: Number(row.seq) }))
    }

    async function page(room: string, token: string, query = '') {
      const response = await history(room, token, query)
      expect(response.status).toBe(200)
      const json = await response.json()
      expect(Object.keys(json).sort()).toEqual(['hasMore', 'messages', 'revision'])
      const parsed = historyPageSchema.parse(json)
      for (const message of parsed.messages) expect(message.room).toBe(room)
      return { ids: parsed.messages.map((message) => message.id), ...parsed }
    }

    const ids = (rows: { id: string }[]) => rows.map((row) => row.id)

    describe('a room of 60 messages', () => {
      const room = uniqueRoom('hist')
      let seeded: { id: string; seq: number }[] = []
      let token = ''
      beforeAll(async () => {
        seeded = await seed(room, 60)
        token = await chat.tokenFor(room)
      })
      const at = (position: number) => seeded[position - 1]?.seq

      it('answers the newest 50 by default, oldest first, with hasMore', async () => {
        const newest = await page(room, token)
        expect(newest.ids).toEqual(ids(seeded.slice(10)))
        expect(newest.hasMore).toBe(true)
        expect(newest.messages[0]).toMatchObject({
          room,
          sender: { id: 'seeder', name: 'Seeder' },
          body: 'message 11',
          attachments: [],
        })
      })

      it.each([
        ['limit=10', 50, true],
        ['limit=59', 1, true],
        ['limit=60', 0, false],
        ['limit=200', 0, false],
        ['limit=0050', 10, true],
      ])('answers the newest page for %s', async (query, firstIndex, hasMore) => {
        const result = await page(room, token, query)
        expect(result.ids).toEqual(ids(seeded.slice(firstIndex)))
        expect(result.hasMore).toBe(hasMore)
      })

      it('answers the page before a seq', async () => {
        const result = await page(room, token, `before=${at(31)}&limit=10`)
        expect(result.ids).toEqual(ids(seeded.slice(20, 30)))
        expect(result.hasMore).toBe(true)

        const first = await page(room, token, `before=${at(6)}&limit=10`)
        expect(first.ids).toEqual(ids(seeded.slice(0, 5)))
        expect(first.hasMore).toBe(false)
      })

      it('yields every message exactly once, in order, walking back with before', async () => {
        const walked: string[] = []
        let result = await page(room, token, 'limit=7')
        walked.unshift(...result.ids)
        let pages = 1
        while (result.hasMore && pages < 20) {
          const oldest = result.messages[0]?.seq
          result = await page(room, token, `limit=7&before=${oldest}`)
          walked.unshift(...result.ids)
          pages += 1
        }
        expect(result.hasMore).toBe(false)
        expect(pages).toBe(Math.ceil(60 / 7))
        expect(walked).toEqual(ids(seeded))
      })

      it('answers everything after a seq oldest first, with hasMore past the limit', async () => {
        const middle = await page(room, token, `after=${at(10)}&limit=20`)
        expect(middle.ids).toEqual(ids(seeded.slice(10, 30)))
        expect(middle.hasMore).toBe(true)

        const tail = await page(room, token, `after=${at(50)}&limit=20`)
        expect(tail.ids).toEqual(ids(seeded.slice(50)))
        expect(tail.hasMore).toBe(false)

        const defaultLimit = await page(room, token, `after=${at(1)}`)
        expect(defaultLimit.ids).toEqual(ids(seeded.slice(1, 51)))
        expect(defaultLimit.hasMore).toBe(true)

        const exact = await page(room, token, `after=${at(10)}&limit=50`)
        expect(exact.ids).toEqual(ids(seeded.slice(10)))
        expect(exact.hasMore).toBe(false)

        const none = await page(room, token, `after=${at(60)}`)
        expect(none).toMatchObject({ messages: [], hasMore: false })
      })

      it('answers the newest page for a cursor past the end', async () => {
        const result = await page(room, token, 'before=999999999999999&limit=5')
        expect(result.ids).toEqual(ids(seeded.slice(55)))
      })
    })

    it('answers at most 200 messages', async () => {
      const room = uniqueRoom('hist')
      const seeded = await seed(room, 205)
      const token = await chat.tokenFor(room)
      const result = await page(room, token, 'limit=200')
      expect(result.ids).toEqual(ids(seeded.slice(5)))
      expect(result.hasMore).toBe(true)
    })

    it('answers messages sent through POST exactly as POST answered them', async () => {
      const { room, token } = await member()
      const sent: StoredMessage[] = []
      for (const body of ['one', 'two', 'three']) {
        sent.push(await storedMessage(await post(room, token, { id: chat.newIdFor(token), body })))
      }
      expect((await page(room, token)).messages).toEqual(sent)
    })

    it('never answers soft-deleted messages, in any page', async () => {
      const room = uniqueRoom('hist')
      const seeded = await seed(room, 12)
      const token = await chat.tokenFor(room)
      const deleted = [seeded[0], seeded[5], seeded[6], seeded[11]].map((row) => row?.id ?? '')
      await chat.sql`
        update chat.messages set deleted_at = now() where id in ${chat.sql(deleted)}`
      const visible = ids(seeded).filter((id) => !deleted.includes(id))

      const newest = await page(room, token)
      expect(newest.ids).toEqual(visible)
      expect(newest.hasMore).toBe(false)

      const walked: string[] = []
      let result = await page(room, token, 'limit=3')
      walked.unshift(...result.ids)
      while (result.hasMore) {
        result = await page(room, token, `limit=3&before=${result.messages[0]?.seq}`)
        walked.unshift(...result.ids)
      }
      expect(walked).toEqual(visible)

      const after = await page(room, token, `after=${seeded[0]?.seq}&limit=3`)
      expect(after.ids).toEqual(visible.slice(0, 3))
      const everything = await page(room, token, `after=${seeded[0]?.seq}`)
      expect(everything.ids).toEqual(visible)
    })

    it('never answers messages of other rooms', async () => {
      const room = uniqueRoom('hist')
      const neighbour = uniqueRoom('hist')
      await seed(neighbour, 3)
      const mine = await seed(room, 3)
      await seed(neighbour, 3)
      const token = await chat.tokenFor(room)

      expect((await page(room, token)).ids).toEqual(ids(mine))
      expect((await page(room, token, `after=${(mine[0]?.seq ?? 0) - 1}`)).ids).toEqual(ids(mine))
      expect((await page(room, token, `before=${(mine[2]?.seq ?? 0) + 10}`)).ids).toEqual(ids(mine))
    })

    it('reads a room from its first message with after=0', async () => {
      const { room, token } = await member()
      for (const body of ['one', 'two', 'three']) {
        expect((await post(room, token, { id: chat.newIdFor(token), body })).status).toBe(201)
      }
      const first = await page(room, token, 'after=0&limit=2')
      expect(first.messages.map((message) => message.body)).toEqual(['one', 'two'])
      expect(first.hasMore).toBe(true)
    })

    it('answers an empty page for a room without messages', async () => {
      const { room, token } = await member()
      expect(await page(room, token)).toMatchObject({ messages: [], hasMore: false })
    })

    describe('400 invalid_input for the query', () => {
      it.each([
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=-1', 'limit'],
        ['limit=1.5', 'limit'],
        ['limit=', 'limit'],
        ['before=abc', 'before'],
        ['before=0', 'before'],
        ['before=-5', 'before'],
        ['before=1.5', 'before'],
        ['after=abc', 'after'],
        ['after=-5', 'after'],
        ['before=5&after=3', 'after'],
        ['cursor=5', 'cursor'],
        ['limit=10&order=desc', 'order'],
      ])('%s', async (query, field) => {
        const { room, token } = await member()
        const error = await expectError(await history(room, token, query), 400, 'invalid_input')
        expect(error.fields).toEqual({ [field]: [expect.stringMatching(/\S/)] })
      })
    })

    it('answers 403 wrong_room to a token of another room', async () => {
      const { token } = await member()
      await expectError(await history(uniqueRoom('hist'), token), 403, 'wrong_room')
    })

    it('answers 400 invalid_room for a bad room name', async () => {
      const { token } = await member()
      await expectError(await history('has%20space', token), 400, 'invalid_room')
    })
  })

  describe('GET /rooms/:room/messages/:id', () => {
    const one = (room: string, token: string | undefined, id: string) =>
      chat.call('GET', `/rooms/${room}/messages/${id}`, { token })

    it('answers 200 with the stored message, as POST answered it', async () => {
      const { room, token } = await member()
      const written = await storedMessage(
        await post(room, token, { id: chat.newIdFor(token), body: 'x'.repeat(4000) }),
      )
      const response = await one(room, token, written.id)
      expect(response.status).toBe(200)
      expect(await storedMessage(response)).toEqual(written)
    })

    it("answers 404 for an unknown id, another room's message and a deleted one", async () => {
      const { room, token } = await member()
      const elsewhere = await member()
      const theirs = await storedMessage(
        await post(elsewhere.room, elsewhere.token, {
          id: chat.newIdFor(elsewhere.token),
          body: 'theirs',
        }),
      )
      const deleted = await storedMessage(
        await post(room, token, { id: chat.newIdFor(token), body: 'gone' }),
      )
      await chat.sql`update chat.messages set deleted_at = now() where id = ${deleted.id}::uuid`

      for (const id of [randomUUID(), theirs.id, deleted.id]) {
        await expectError(await one(room, token, id), 404, 'message_not_found')
      }
    })

    it('answers 400 for an id that is not a UUID', async () => {
      const { room, token } = await member()
      const error = await expectError(await one(room, token, 'not-a-uuid'), 400, 'invalid_input')
      expect(error.fields).toEqual({ id: [expect.stringMatching(/UUID/)] })
    })

    it('answers 401 without a token and 403 with a token for another room', async () => {
      const { room, token } = await member()
      const written = await storedMessage(
        await post(room, token, { id: chat.newIdFor(token), body: 'hi' }),
      )
      await expectError(await one(room, undefined, written.id), 401, 'missing_token')
      const other = await member()
      await expectError(await one(room, other.token, written.id), 403, 'wrong_room')
    })
  })
})

import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  type HarnessMember,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import {
  MAX_SEARCH_CHARS,
  type StoredMessage,
  searchPageSchema,
  searchWords,
  storedMessageSchema,
} from '../../_shared/protocol.ts'

describe('search', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  type Member = HarnessMember
  const member = (room = uniqueRoom('search'), name = 'Ana') => chat.member(room, name)

  async function send(who: Member, body: string): Promise<StoredMessage> {
    const response = await chat.call('POST', `/rooms/${who.room}/messages`, {
      token: who.token,
      body: { id: chat.newIdFor(who.token), body },
    })
    expect(response.status).toBe(201)
    return storedMessageSchema.parse(await response.json())
  }

  const search = (who: Member, query: string) =>
    chat.call('GET', `/rooms/${who.room}/search?${query}`, { token: who.token })

  async function found(who: Member, query: string): Promise<string[]> {
    const response = await search(who, query)
    expect(response.status).toBe(200)
    return searchPageSchema.parse(await response.json()).messages.map((m) => m.body)
  }

  it('finds messages with every word, the last as a prefix, newest first, any case', async () => {
    const ana = await member()
    const ben = await member(ana.room, 'Ben')
    await send(ana, 'The release is on Friday')
    await send(ben, 'Friday works; the RELEASE notes are ready')
    await send(ana, 'Lunch on Friday?')
    await send(ben, 'Releases are weekly now 🚀')

    expect(await found(ana, 'q=release')).toEqual([
      'Releases are weekly now 🚀',
      'Friday works; the RELEASE notes are ready',
      'The release is on Friday',
    ])
    expect(await found(ben, 'q=friday%20release')).toEqual([
      'Friday works; the RELEASE notes are ready',
      'The release is on Friday',
    ])
    // As people type: the last word is a prefix, the others are whole words.
    expect(await found(ana, 'q=lun')).toEqual(['Lunch on Friday?'])
    expect(await found(ana, 'q=lun%20friday')).toEqual([])
    expect(await found(ana, 'q=the%2C%20FRI%3F')).toEqual([
      'Friday works; the RELEASE notes are ready',
      'The release is on Friday',
    ])
    expect(await found(ana, 'q=nothing')).toEqual([])
  })

  it('pages with before=<seq>: each page newest first, hasMore until the oldest', async () => {
    const ana = await member()
    for (let index = 1; index <= 5; index += 1) await send(ana, `standup note ${index}`)
    const first = searchPageSchema.parse(await (await search(ana, 'q=standup&limit=2')).json())
    expect(first.messages.map((m) => m.body)).toEqual(['standup note 5', 'standup note 4'])
    expect(first.hasMore).toBe(true)
    const before = first.messages.at(-1)?.seq
    const second = searchPageSchema.parse(
      await (await search(ana, `q=standup&limit=2&before=${before}`)).json(),
    )
    expect(second.messages.map((m) => m.body)).toEqual(['standup note 3', 'standup note 2'])
    const last = searchPageSchema.parse(
      await (await search(ana, `q=standup&limit=2&before=${second.messages.at(-1)?.seq}`)).json(),
    )
    expect(last).toMatchObject({ hasMore: false })
    expect(last.messages.map((m) => m.body)).toEqual(['standup note 1'])
  })

  it('finds an old match behind hundreds of newer messages, and pages through common words', async () => {
    const ana = await member()
    await send(ana, 'the quarterly roadmap is ready')
    await chat.sql`
      insert into chat.messages (id, room, sender_id, sender_name, body)
      select gen_random_uuid(), ${ana.room}, ${ana.user.id}, 'Ana', 'status update ' || g
      from generate_series(1, 620) as g`
    expect(await found(ana, 'q=roadmap')).toEqual(['the quarterly roadmap is ready'])
    const first = searchPageSchema.parse(await (await search(ana, 'q=status%20upd')).json())
    expect(first.messages.map((m) => m.body).slice(0, 2)).toEqual([
      'status update 620',
      'status update 619',
    ])
    expect(first).toMatchObject({ hasMore: true })
    expect(first.messages).toHaveLength(20)
  })

  it('never finds deleted messages, an edit’s old words, or another room’s messages', async () => {
    const ana = await member()
    const eve = await member(uniqueRoom('elsewhere'), 'Eve')
    await send(eve, 'secret roadmap in another room')
    const gone = await send(ana, 'roadmap draft, to delete')
    const edited = await send(ana, 'roadmap version one')
    expect(
      (await chat.call('DELETE', `/rooms/${ana.room}/messages/${gone.id}`, { token: ana.token }))
        .status,
    ).toBe(204)
    const patched = await chat.call('PATCH', `/rooms/${ana.room}/messages/${edited.id}`, {
      token: ana.token,
      body: { body: 'plan version two' },
    })
    expect(patched.status).toBe(200)

    expect(await found(ana, 'q=roadmap')).toEqual([])
    expect(await found(ana, 'q=plan')).toEqual(['plan version two'])
    // Eve searches her own room only; the room in the path must be her token's.
    await expectError(
      await chat.call('GET', `/rooms/${ana.room}/search?q=plan`, { token: eve.token }),
      403,
      'wrong_room',
    )
  })

  it('refuses (400) a query without words, too long, or with unknown or bad parameters', async () => {
    const ana = await member()
    for (const [query, field] of [
      ['', 'q'],
      ['q=', 'q'],
      ['q=%3F%21%20-', 'q'],
      [`q=${'a'.repeat(MAX_SEARCH_CHARS + 1)}`, 'q'],
      ['q=x&limit=0', 'limit'],
      ['q=x&limit=51', 'limit'],
      ['q=x&before=-1', 'before'],
      ['q=x&sort=asc', 'sort'],
    ] as const) {
      const error = await expectError(await search(ana, query), 400, 'invalid_input')
      expect([query, Object.keys(error.fields ?? {})]).toEqual([query, [field]])
    }
    await expectError(
      await chat.call('GET', `/rooms/${ana.room}/search?q=x`, {}),
      401,
      'missing_token',
    )
  })

  it('treats tsquery syntax in a search as words, never as operators', async () => {
    const ana = await member()
    await send(ana, 'cats and dogs')
    for (const query of ["cats' | 'dogs", 'cats & !dogs', 'cats:* <-> (dogs)', "'':*"]) {
      const response = await search(ana, `q=${encodeURIComponent(query)}`)
      expect(response.status, query).toBeLessThan(500)
    }
    expect(await found(ana, `q=${encodeURIComponent('cats | dogs')}`)).toEqual(['cats and dogs'])
    expect(await found(ana, `q=${encodeURIComponent('cats & !dogs')}`)).toEqual(['cats and dogs'])
    expect(searchWords("cats' | 'dogs")).toEqual(['cats', 'dogs'])
  })
})

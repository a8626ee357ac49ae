// Q&A in the database (supabase/schemas/57_questions.sql): what the rules give whoever calls the
// functions, and what the triggers refuse whoever writes. Each test acts as a person in the room
// (or as ops in Studio) and asserts what they get.
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { uniqueRoom } from '../../test/chat-harness.ts'

const sql = postgres(inject('databaseUrl'), { max: 12, onnotice: () => {} })
afterAll(() => sql.end())

interface BoardQuestion {
  id: string
  body: string
  askerName?: string
  anonymous: boolean
  mine: boolean
  votes: number
  myVote: boolean
  state: string
  review: string
  revision: number
}

const HOST = { id: 'host-id', name: 'Hana Host', owner: true }
const ALICE = { id: 'alice-id', name: 'Alice Asker', owner: false }
const BEN = { id: 'ben-id', name: 'Ben Bystander', owner: false }
type Person = typeof HOST

async function ask(
  room: string,
  who: Person,
  body: string,
  options: { anonymous?: boolean; id?: string } = {},
) {
  const id = options.id ?? randomUUID()
  const [row] = await sql<
    { outcome: string; block_reason: string | null; question: BoardQuestion | null }[]
  >`
    select * from chat.ask_question(${id}, ${room}, ${who.id}, ${who.name}, ${body},
      ${options.anonymous ?? false}, ${who.owner})`
  return { id, ...(row as NonNullable<typeof row>) }
}

async function vote(room: string, who: Person, id: string, up = true) {
  const [row] = await sql<{ outcome: string; question: BoardQuestion | null }[]>`
    select outcome, question from chat.vote_question(${id}, ${room}, ${who.id}, ${up}, ${who.owner})`
  return row as NonNullable<typeof row>
}

async function board(room: string, who: Person): Promise<BoardQuestion[]> {
  const rows = await sql<{ question: BoardQuestion }[]>`
    select question from chat.room_questions(${room}, ${who.id}, ${who.owner})`
  return rows.map((row) => row.question)
}

async function settings(room: string, values: Record<string, string | boolean>) {
  await sql`insert into chat.room_settings ${sql({ room, ...values })}
    on conflict (room) do update set ${sql(values)}`
}

describe('Q&A in the database', () => {
  it('asks once per id: a retry answers the stored question, another text under it is a conflict', async () => {
    const room = uniqueRoom('qa')
    const first = await ask(room, ALICE, 'When does the demo start?')
    expect(first.outcome).toBe('created')
    expect(first.question).toMatchObject({
      body: 'When does the demo start?',
      askerName: ALICE.name,
      mine: true,
      votes: 0,
      state: 'open',
      review: 'approved',
    })
    expect((await ask(room, ALICE, 'When does the demo start?', { id: first.id })).outcome).toBe(
      'duplicate',
    )
    expect((await ask(room, ALICE, 'Something else', { id: first.id })).outcome).toBe('conflict')
    expect((await ask(room, BEN, 'When does the demo start?', { id: first.id })).outcome).toBe(
      'conflict',
    )
    expect(await board(room, BEN)).toEqual([
      expect.objectContaining({ id: first.id, askerName: ALICE.name, mine: false }),
    ])
  })

  it('never names the asker of an anonymous question to anyone in the room, owners included', async () => {
    const room = uniqueRoom('qa')
    expect((await ask(room, ALICE, 'Is this recorded?', { anonymous: true })).outcome).toBe(
      'anonymous_off',
    )
    await settings(room, { anonymous_questions: true })
    const asked = await ask(room, ALICE, 'Is this recorded?', { anonymous: true })
    expect(asked.outcome).toBe('created')
    await vote(room, BEN, asked.id)
    for (const reader of [HOST, BEN]) {
      const [seen] = await board(room, reader)
      expect(seen).toMatchObject({ id: asked.id, anonymous: true, mine: false })
      expect(seen?.askerName).toBeUndefined()
      // Nothing in what they get names Alice: compared with what a question that never had an
      // asker in the room would give.
      expect(JSON.stringify(seen)).not.toContain(ALICE.name)
      expect(JSON.stringify(seen)).not.toContain(ALICE.id)
    }
    const voted = await vote(room, HOST, asked.id)
    expect(JSON.stringify(voted)).not.toContain(ALICE.id)
    expect(JSON.stringify(voted)).not.toContain(ALICE.name)
    // The asker knows it is theirs; ops see who asked in Studio.
    expect((await board(room, ALICE))[0]).toMatchObject({ mine: true, anonymous: true })
    const [studio] =
      await sql`select asker_id, asker_name from chat.question_board where id = ${asked.id}`
    expect(studio).toEqual({ asker_id: ALICE.id, asker_name: ALICE.name })
  })

  it('keeps a question waiting for approval from everyone but its asker and the owners', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { questions_need_approval: true })
    const pending = await ask(room, ALICE, 'Can we see the slides?')
    expect(pending.question).toMatchObject({ review: 'pending', mine: true })
    const fromHost = await ask(room, HOST, 'Any questions so far?')
    expect(fromHost.question).toMatchObject({ review: 'approved' })

    expect((await board(room, BEN)).map((q) => q.id)).toEqual([fromHost.id])
    expect((await board(room, HOST)).map((q) => q.id).sort()).toEqual(
      [pending.id, fromHost.id].sort(),
    )
    expect((await board(room, ALICE)).map((q) => q.id).sort()).toEqual(
      [pending.id, fromHost.id].sort(),
    )
    // Not even its existence: Ben's vote finds nothing, as for an id that never existed.
    expect((await vote(room, BEN, pending.id)).outcome).toBe('not_found')
    expect((await vote(room, BEN, randomUUID())).outcome).toBe('not_found')
    expect((await vote(room, HOST, pending.id)).outcome).toBe('closed')
    // Nor in Studio: a vote written by hand on a pending question is refused.
    await expect(
      sql`insert into chat.question_votes (question_id, voter_id) values (${pending.id}, ${BEN.id})`,
    ).rejects.toMatchObject({ code: 'BCQVT' })
  })

  it('counts one upvote per person, never the asker’s own, and takes a vote back', async () => {
    const room = uniqueRoom('qa')
    const asked = await ask(room, ALICE, 'Will there be a recording?')
    expect((await vote(room, ALICE, asked.id)).outcome).toBe('own_question')
    expect(await vote(room, BEN, asked.id)).toMatchObject({
      outcome: 'voted',
      question: { votes: 1, myVote: true },
    })
    expect(await vote(room, BEN, asked.id)).toMatchObject({
      outcome: 'unchanged',
      question: { votes: 1 },
    })
    expect(await vote(room, BEN, asked.id, false)).toMatchObject({
      outcome: 'withdrawn',
      question: { votes: 0, myVote: false },
    })
    expect(await vote(room, BEN, asked.id, false)).toMatchObject({ outcome: 'unchanged' })
  })

  it('counts every vote cast at the same moment, and orders the board by votes, then by age', async () => {
    const room = uniqueRoom('qa')
    const older = await ask(room, ALICE, 'First question')
    const newer = await ask(room, ALICE, 'Second question')
    const voters = Array.from({ length: 60 }, (_, i) => ({
      id: `voter-${i}`,
      name: `Voter ${i}`,
      owner: false,
    }))
    const outcomes = await Promise.all(
      voters.map((voter, i) => vote(room, voter, i < 40 ? newer.id : older.id)),
    )
    expect(outcomes.every((o) => o.outcome === 'voted')).toBe(true)
    const seen = await board(room, BEN)
    expect(seen.map((q) => [q.body, q.votes])).toEqual([
      ['Second question', 40],
      ['First question', 20],
    ])
    const [counted] = await sql<{ votes: number }[]>`
      select count(*)::int as votes from chat.question_votes where question_id = ${newer.id}`
    expect(counted?.votes).toBe(40)
    // Equal votes: the older first.
    await Promise.all(voters.slice(40, 60).map((voter) => vote(room, voter, newer.id, false)))
    await Promise.all(voters.slice(0, 20).map((voter) => vote(room, voter, newer.id, false)))
    expect((await board(room, BEN)).map((q) => q.body)).toEqual([
      'First question',
      'Second question',
    ])
  })

  it('follows who may send while Q&A is not set on its own, and its own setting otherwise', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { send: 'nobody' })
    expect((await ask(room, ALICE, 'Anyone there?')).outcome).toBe('questions_off')
    expect((await ask(room, HOST, 'Anyone there?')).outcome).toBe('questions_off')
    await settings(room, { questions: 'everyone' })
    const asked = await ask(room, ALICE, 'Anyone there?')
    expect(asked.outcome).toBe('created')
    await settings(room, { questions: 'owners', send: 'everyone' })
    expect((await ask(room, BEN, 'And now?')).outcome).toBe('owners_only')
    expect((await vote(room, BEN, asked.id)).outcome).toBe('owners_only')
    expect((await ask(room, HOST, 'And now?')).outcome).toBe('created')
    await settings(room, { questions: 'nobody' })
    expect((await vote(room, HOST, asked.id)).outcome).toBe('questions_off')
    await expect(settings(room, { questions: 'sometimes' })).rejects.toMatchObject({
      code: '23514',
    })
  })

  it('refuses a blocked asker, with the reason', async () => {
    const room = uniqueRoom('qa')
    await sql`insert into chat.blocked_senders (sender_id, room, reason) values (${BEN.id}, ${room}, 'Spam')`
    expect(await ask(room, BEN, 'Buy now?')).toMatchObject({
      outcome: 'blocked',
      block_reason: 'Spam',
      question: null,
    })
  })

  it('has one question being answered per room, takes no votes once answered, and hides a dismissed one', async () => {
    const room = uniqueRoom('qa')
    const first = await ask(room, ALICE, 'One')
    const second = await ask(room, ALICE, 'Two')
    const revision = Number((await board(room, BEN)).find((q) => q.id === first.id)?.revision)
    await sql`update chat.questions set state = 'answering' where id = ${first.id}`
    expect(
      Number((await board(room, BEN)).find((q) => q.id === first.id)?.revision),
    ).toBeGreaterThan(revision)
    await expect(
      sql`update chat.questions set state = 'answering' where id = ${second.id}`,
    ).rejects.toMatchObject({ code: '23505' })
    await expect(
      sql`update chat.questions set answer = 'Soon' where id = ${second.id}`,
    ).rejects.toMatchObject({ code: '23514' })
    await sql`update chat.questions set state = 'answered', answer = 'At ten.', answered_at = now(),
      answered_by = ${HOST.id} where id = ${first.id}`
    expect((await vote(room, BEN, first.id)).outcome).toBe('closed')
    await sql`update chat.questions set state = 'dismissed' where id = ${second.id}`
    expect((await board(room, BEN)).map((q) => q.id)).toEqual([first.id])
    expect((await vote(room, BEN, second.id)).outcome).toBe('not_found')
  })

  it('refuses what no question may hold, whoever writes it', async () => {
    const room = uniqueRoom('qa')
    const long = 'x'.repeat(501)
    await expect(ask(room, ALICE, long)).rejects.toMatchObject({ code: '23514' })
    await expect(ask(room, ALICE, '  padded  ')).rejects.toMatchObject({ code: '23514' })
    await expect(
      sql`insert into chat.questions (id, room, asker_id, asker_name, body, review)
          values (${randomUUID()}, ${room}, 'x', 'X', 'Rejected by nobody?', 'rejected')`,
    ).rejects.toMatchObject({ code: '23514' })
  })
})

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
  answer?: string
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

// What the asker and the owners do to questions (supabase/migrations/20261208010000_question_actions.sql).
async function edit(room: string, who: Person, id: string, body: string) {
  const [row] = await sql<
    { outcome: string; block_reason: string | null; question: BoardQuestion | null }[]
  >`select * from chat.edit_question(${id}, ${room}, ${who.id}, ${body}, ${who.owner})`
  return row as NonNullable<typeof row>
}

async function withdraw(room: string, who: Person, id: string) {
  const [row] = await sql<{ outcome: string }[]>`
    select outcome from chat.withdraw_question(${id}, ${room}, ${who.id})`
  return row?.outcome
}

async function setState(
  room: string,
  owner: Person,
  id: string,
  state: string,
  answer: string | null = null,
  db: postgres.Sql = sql,
) {
  const [row] = await db<{ outcome: string; question: BoardQuestion | null }[]>`
    select * from chat.set_question_state(${id}, ${room}, ${owner.id}, ${state}, ${answer})`
  return row as NonNullable<typeof row>
}

async function review(room: string, owner: Person, ids: string[], approve: boolean) {
  return sql<{ id: string; outcome: string; question: BoardQuestion | null }[]>`
    select * from chat.review_questions(${room}, ${ids}::uuid[], ${owner.id}, ${approve})`
}

async function stored(id: string) {
  const [row] = await sql<
    {
      body: string
      state: string
      review: string
      answer: string | null
      answered_by: string | null
      reviewed_by: string | null
      edited_at: Date | null
    }[]
  >`select body, state, review, answer, answered_by, reviewed_by, edited_at
    from chat.questions where id = ${id}`
  return row
}

async function moderationLog(questionId: string) {
  return sql<{ action: string; room: string; sender_id: string; actor: string }[]>`
    select action, room, sender_id, actor from chat.moderation_log
    where details ->> 'question_id' = ${questionId} order by id`
}

const COHOST = { id: 'cohost-id', name: 'Cody Cohost', owner: true }

describe('what askers and owners do to questions', () => {
  it('lets the asker edit their question until it has votes, and nobody else', async () => {
    const room = uniqueRoom('qa')
    const asked = await ask(room, ALICE, 'When is the brake?')
    const edited = await edit(room, ALICE, asked.id, 'When is the break?')
    expect(edited).toMatchObject({
      outcome: 'edited',
      block_reason: null,
      question: { body: 'When is the break?', mine: true, editedAt: expect.any(String) },
    })
    expect(Number(edited.question?.revision)).toBeGreaterThan(Number(asked.question?.revision))
    expect(await edit(room, ALICE, asked.id, 'When is the break?')).toMatchObject({
      outcome: 'unchanged',
      question: { body: 'When is the break?' },
    })

    // Ben tries to put words in Alice's mouth.
    expect((await edit(room, BEN, asked.id, 'Alice thinks this talk is boring')).outcome).toBe(
      'forbidden',
    )
    expect((await edit(room, HOST, asked.id, 'Rewritten by the host')).outcome).toBe('forbidden')

    // A vote was cast for the text it has: it stays.
    await vote(room, BEN, asked.id)
    expect(await edit(room, ALICE, asked.id, 'Actually, something else')).toMatchObject({
      outcome: 'has_votes',
      question: { body: 'When is the break?', votes: 1 },
    })
    expect((await board(room, BEN))[0]?.body).toBe('When is the break?')
    expect((await stored(asked.id))?.body).toBe('When is the break?')
  })

  it('finds no question for an editor who cannot see it, as for an id that never existed', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { questions_need_approval: true })
    const pending = await ask(room, ALICE, 'Waiting for the host')
    expect(await edit(room, BEN, pending.id, 'Hijacked')).toEqual(
      await edit(room, BEN, randomUUID(), 'Hijacked'),
    )
    expect((await edit(room, BEN, pending.id, 'Hijacked')).outcome).toBe('not_found')
    // Another room's question is not in this one.
    const elsewhere = await ask(uniqueRoom('qa'), ALICE, 'Elsewhere')
    expect((await edit(room, ALICE, elsewhere.id, 'Moved')).outcome).toBe('not_found')
    // Nor a dismissed one, even for its asker.
    const dismissed = await ask(room, HOST, 'Dismiss me')
    await setState(room, HOST, dismissed.id, 'dismissed')
    expect((await edit(room, HOST, dismissed.id, 'Back?')).outcome).toBe('not_found')
    expect((await stored(pending.id))?.body).toBe('Waiting for the host')
  })

  it('refuses an edit once the question is being answered, answered or rejected, while blocked, and while Q&A is closed', async () => {
    const room = uniqueRoom('qa')
    const asked = await ask(room, ALICE, 'Answer me')
    await setState(room, HOST, asked.id, 'answering')
    expect((await edit(room, ALICE, asked.id, 'Changed mid-answer')).outcome).toBe('closed')
    await setState(room, HOST, asked.id, 'answered')
    expect((await edit(room, ALICE, asked.id, 'Changed after')).outcome).toBe('closed')

    const other = await ask(room, ALICE, 'Another one')
    await sql`insert into chat.blocked_senders (sender_id, room, reason) values (${ALICE.id}, ${room}, 'Spam')`
    expect(await edit(room, ALICE, other.id, 'Spam spam')).toMatchObject({
      outcome: 'blocked',
      block_reason: 'Spam',
    })
    await sql`delete from chat.blocked_senders where sender_id = ${ALICE.id} and room = ${room}`
    await settings(room, { questions: 'nobody' })
    expect((await edit(room, ALICE, other.id, 'Still here')).outcome).toBe('questions_off')
    await settings(room, { questions: 'owners' })
    expect((await edit(room, ALICE, other.id, 'Still here')).outcome).toBe('owners_only')
    expect((await stored(other.id))?.body).toBe('Another one')

    await settings(room, { questions: 'everyone', questions_need_approval: true })
    const rejected = await ask(room, ALICE, 'Rejected one')
    await review(room, HOST, [rejected.id], false)
    expect((await edit(room, ALICE, rejected.id, 'Try again')).outcome).toBe('closed')
  })

  it('sends an approved question back for approval when its asker edits it while questions need approval', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { questions_need_approval: true })
    const asked = await ask(room, ALICE, 'An innocent question')
    await review(room, HOST, [asked.id], true)
    expect((await board(room, BEN)).map((q) => q.id)).toEqual([asked.id])

    // Approved text swapped for something the owners never saw: it waits for them again.
    expect(await edit(room, ALICE, asked.id, 'Something the hosts never approved')).toMatchObject({
      outcome: 'edited',
      question: { review: 'pending', body: 'Something the hosts never approved' },
    })
    expect(await board(room, BEN)).toEqual([])
    expect((await board(room, HOST))[0]).toMatchObject({ id: asked.id, review: 'pending' })
    expect(await stored(asked.id)).toMatchObject({ review: 'pending', reviewed_by: null })

    // An owner's own edit needs nobody's approval.
    const fromHost = await ask(room, HOST, 'Host question')
    expect((await edit(room, HOST, fromHost.id, 'Host question, edited')).question).toMatchObject({
      review: 'approved',
    })
  })

  it('lets only the asker withdraw their question, with its votes, even while blocked or with Q&A off', async () => {
    const room = uniqueRoom('qa')
    const asked = await ask(room, ALICE, 'Withdraw me')
    await vote(room, BEN, asked.id)
    await vote(room, HOST, asked.id)

    expect(await withdraw(room, BEN, asked.id)).toBe('forbidden')
    expect(await withdraw(room, HOST, asked.id)).toBe('forbidden')
    expect(await withdraw(uniqueRoom('qa'), ALICE, asked.id)).toBe('not_found')
    expect((await board(room, BEN)).map((q) => [q.id, q.votes])).toEqual([[asked.id, 2]])

    await sql`insert into chat.blocked_senders (sender_id, room, reason) values (${ALICE.id}, ${room}, 'Spam')`
    await settings(room, { questions: 'nobody' })
    expect(await withdraw(room, ALICE, asked.id)).toBe('withdrawn')
    expect(await board(room, BEN)).toEqual([])
    const [left] = await sql<{ votes: number }[]>`
      select count(*)::int as votes from chat.question_votes where question_id = ${asked.id}`
    expect(left?.votes).toBe(0)
    expect(await withdraw(room, ALICE, asked.id)).toBe('not_found')
  })

  it('lets a non-asker withdraw nothing they cannot see, as for an id that never existed', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { questions_need_approval: true })
    const pending = await ask(room, ALICE, 'Pending')
    expect(await withdraw(room, BEN, pending.id)).toBe(await withdraw(room, BEN, randomUUID()))
    expect(await withdraw(room, BEN, pending.id)).toBe('not_found')
    expect(await stored(pending.id)).toBeDefined()
    // The asker withdraws their own pending question.
    expect(await withdraw(room, ALICE, pending.id)).toBe('withdrawn')
  })

  it('lets an owner mark one question being answered at a time, answer it, reopen and dismiss it', async () => {
    const room = uniqueRoom('qa')
    const first = await ask(room, ALICE, 'First')
    const second = await ask(room, BEN, 'Second')

    expect(await setState(room, HOST, first.id, 'answering')).toMatchObject({
      outcome: 'changed',
      question: { id: first.id, state: 'answering' },
    })
    expect((await setState(room, HOST, first.id, 'answering')).outcome).toBe('unchanged')
    // Another one being answered: the first goes back to open, in the same step.
    expect((await setState(room, COHOST, second.id, 'answering')).outcome).toBe('changed')
    expect(Object.fromEntries((await board(room, BEN)).map((q) => [q.body, q.state]))).toEqual({
      First: 'open',
      Second: 'answering',
    })

    expect(await setState(room, HOST, second.id, 'answered', 'On Friday.')).toMatchObject({
      outcome: 'changed',
      question: { state: 'answered', answer: 'On Friday.', answeredAt: expect.any(String) },
    })
    expect(await stored(second.id)).toMatchObject({ answered_by: HOST.id })
    expect((await setState(room, HOST, second.id, 'answered', 'On Friday.')).outcome).toBe(
      'unchanged',
    )
    expect(
      (await setState(room, HOST, second.id, 'answered', 'Monday, sorry.')).question,
    ).toMatchObject({ answer: 'Monday, sorry.' })
    expect(await setState(room, HOST, first.id, 'answered')).toMatchObject({
      outcome: 'changed',
      question: { state: 'answered' },
    })
    expect((await setState(room, HOST, first.id, 'answered')).question?.answer).toBeUndefined()

    // Back to open: the answer goes.
    const reopened = await setState(room, HOST, second.id, 'open')
    expect(reopened).toMatchObject({ outcome: 'changed', question: { state: 'open' } })
    expect(reopened.question).not.toHaveProperty('answer')
    expect(await stored(second.id)).toMatchObject({ answer: null, answered_by: null })

    // Dismissed: off every board, and no question comes back; an owner can open it again.
    expect(await setState(room, HOST, second.id, 'dismissed')).toEqual({
      outcome: 'changed',
      question: null,
    })
    for (const reader of [HOST, ALICE, BEN])
      expect((await board(room, reader)).map((q) => q.id)).toEqual([first.id])
    expect((await setState(room, HOST, second.id, 'dismissed')).outcome).toBe('unchanged')
    expect(await setState(room, HOST, second.id, 'open')).toMatchObject({
      outcome: 'changed',
      question: { id: second.id, state: 'open', mine: false },
    })
    expect((await board(room, BEN)).map((q) => q.id).sort()).toEqual([first.id, second.id].sort())
  })

  it('refuses a state that does not exist, an answer out of bounds, and another room’s question', async () => {
    const room = uniqueRoom('qa')
    const asked = await ask(room, ALICE, 'Bounds')
    expect(await setState(room, HOST, asked.id, 'deleted')).toEqual({
      outcome: 'invalid_state',
      question: null,
    })
    for (const answer of ['', ' padded ', 'x'.repeat(1001)])
      expect((await setState(room, HOST, asked.id, 'answered', answer)).outcome).toBe(
        'invalid_answer',
      )
    expect((await setState(room, HOST, asked.id, 'answering', 'An answer?')).outcome).toBe(
      'invalid_answer',
    )
    expect((await setState(room, HOST, asked.id, 'answered', 'x'.repeat(1000))).outcome).toBe(
      'changed',
    )
    const otherRoom = uniqueRoom('qa')
    expect((await setState(otherRoom, HOST, asked.id, 'dismissed')).outcome).toBe('not_found')
    expect((await setState(room, HOST, randomUUID(), 'dismissed')).outcome).toBe('not_found')
    expect((await stored(asked.id))?.state).toBe('answered')
  })

  it('takes no answer for a question that is not approved: that is what reviewing is for', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { questions_need_approval: true })
    const pending = await ask(room, ALICE, 'Pending')
    const rejected = await ask(room, BEN, 'Rejected')
    await review(room, HOST, [rejected.id], false)
    for (const state of ['answering', 'answered', 'open', 'dismissed']) {
      expect(await setState(room, HOST, pending.id, state)).toMatchObject({
        outcome: 'pending',
        question: { id: pending.id, review: 'pending', state: 'open' },
      })
      expect(await setState(room, HOST, rejected.id, state)).toEqual({
        outcome: 'pending',
        question: null,
      })
    }
    expect(await stored(pending.id)).toMatchObject({ state: 'open', review: 'pending' })
  })

  it('ends with exactly one question being answered when two owners each pick one at the same moment', async () => {
    const room = uniqueRoom('qa')
    const first = await ask(room, ALICE, 'Pick me')
    const second = await ask(room, BEN, 'No, me')
    const owners = postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} })
    try {
      // The room's lock is held while both owners' changes arrive, so they meet at the lock.
      const { both } = await sql.begin(async (tx) => {
        await tx`select chat.lock_chat_room(${room})`
        const both = Promise.all([
          setState(room, HOST, first.id, 'answering', null, owners),
          setState(room, COHOST, second.id, 'answering', null, owners),
        ])
        let settled = false
        both.then(
          () => {
            settled = true
          },
          () => {
            settled = true
          },
        )
        // Watched from outside this transaction, which would keep reading one snapshot of it.
        while (!settled) {
          const [waiting] = await sql<{ count: number }[]>`
            select count(*)::int as count from pg_stat_activity
            where wait_event_type = 'Lock' and wait_event = 'advisory'
              and query like '%set_question_state%'`
          if (waiting?.count === 2) break
        }
        // Not awaited here: they wait for this transaction to end.
        return { both }
      })
      const outcomes = await both
      expect(outcomes.map((o) => o.outcome)).toEqual(['changed', 'changed'])
      const answering = await sql<{ id: string }[]>`
        select id from chat.questions where room = ${room} and state = 'answering'`
      expect(answering).toHaveLength(1)
      expect((await board(room, BEN)).filter((q) => q.state === 'answering')).toHaveLength(1)
    } finally {
      await owners.end()
    }
  })

  it('approves and rejects several pending questions at once, and tells only the asker of a rejected one', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { questions_need_approval: true })
    const good = await ask(room, ALICE, 'A good question')
    const also = await ask(room, BEN, 'Another good one')
    const bad = await ask(room, BEN, 'Buy my course')
    const missing = randomUUID()

    const approved = await review(room, HOST, [good.id, also.id, good.id, missing], true)
    expect(approved.map((row) => [row.id, row.outcome])).toEqual([
      [good.id, 'approved'],
      [also.id, 'approved'],
      [missing, 'not_found'],
    ])
    expect(approved[0]?.question).toMatchObject({ review: 'approved', askerName: ALICE.name })
    expect(approved[2]?.question).toBeNull()
    expect(await stored(good.id)).toMatchObject({ review: 'approved', reviewed_by: HOST.id })

    const rejected = await review(room, COHOST, [bad.id, good.id], false)
    expect(rejected.map((row) => [row.outcome, row.question?.review ?? null])).toEqual([
      ['rejected', null],
      ['unchanged', 'approved'],
    ])
    expect((await review(room, HOST, [bad.id], true))[0]?.outcome).toBe('unchanged')

    // Ben, who asked it, sees it rejected; nobody else sees it at all.
    expect((await board(room, BEN)).find((q) => q.id === bad.id)).toMatchObject({
      review: 'rejected',
      mine: true,
    })
    for (const reader of [ALICE, HOST])
      expect((await board(room, reader)).map((q) => q.id).sort()).toEqual([good.id, also.id].sort())
    expect((await vote(room, ALICE, bad.id)).outcome).toBe('not_found')
  })

  it('reviews nothing of another room: its questions are not found and stay pending', async () => {
    const room = uniqueRoom('qa')
    const otherRoom = uniqueRoom('qa')
    await settings(otherRoom, { questions_need_approval: true })
    const theirs = await ask(otherRoom, ALICE, 'Not yours to review')
    const rows = await review(room, HOST, [theirs.id], true)
    expect(rows).toEqual([{ id: theirs.id, outcome: 'not_found', question: null }])
    expect((await review(room, HOST, [theirs.id], false))[0]?.outcome).toBe('not_found')
    expect(await stored(theirs.id)).toMatchObject({ review: 'pending', reviewed_by: null })
    expect(await board(otherRoom, BEN)).toEqual([])
    expect(await moderationLog(theirs.id)).toEqual([])
  })

  it('reviews 1 to 100 questions at a time', async () => {
    const room = uniqueRoom('qa')
    await expect(review(room, HOST, [], true)).rejects.toMatchObject({ code: '22023' })
    const ids = Array.from({ length: 101 }, () => randomUUID())
    await expect(review(room, HOST, ids, true)).rejects.toMatchObject({ code: '22023' })
    expect(await review(room, HOST, ids.slice(0, 100), true)).toHaveLength(100)
  })

  it('never names the asker of an anonymous question in anything an owner gets back', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { anonymous_questions: true, questions_need_approval: true })
    const asked = await ask(room, ALICE, 'Who asked this?', { anonymous: true })
    const answers: unknown[] = [
      await review(room, HOST, [asked.id], true),
      await setState(room, HOST, asked.id, 'answering'),
      await setState(room, HOST, asked.id, 'answered', 'Nobody knows.'),
      await setState(room, HOST, asked.id, 'open'),
      await edit(room, HOST, asked.id, 'Edited by the host?'),
      await withdraw(room, HOST, asked.id),
      await vote(room, HOST, asked.id),
      await board(room, HOST),
    ]
    for (const answer of answers) {
      expect(JSON.stringify(answer)).not.toContain(ALICE.id)
      expect(JSON.stringify(answer)).not.toContain(ALICE.name)
    }
    // A rejected anonymous question: the owner gets nothing of it back.
    const other = await ask(room, ALICE, 'And this one?', { anonymous: true })
    const [rejected] = await review(room, HOST, [other.id], false)
    expect(rejected).toEqual({ id: other.id, outcome: 'rejected', question: null })
  })

  it('writes owners’ reviews and dismissals to the moderation log, crediting who made them', async () => {
    const room = uniqueRoom('qa')
    await settings(room, { questions_need_approval: true })
    const approved = await ask(room, ALICE, 'Approve me')
    const rejected = await ask(room, ALICE, 'Reject me')
    await review(room, HOST, [approved.id], true)
    await review(room, COHOST, [rejected.id], false)
    await setState(room, COHOST, approved.id, 'dismissed')
    await setState(room, HOST, approved.id, 'open')
    // Answering is not moderation.
    await setState(room, HOST, approved.id, 'answered')
    expect(await moderationLog(approved.id)).toEqual([
      { action: 'approve_question', room, sender_id: ALICE.id, actor: HOST.id },
      { action: 'dismiss_question', room, sender_id: ALICE.id, actor: COHOST.id },
      { action: 'restore_question', room, sender_id: ALICE.id, actor: HOST.id },
    ])
    expect(await moderationLog(rejected.id)).toEqual([
      { action: 'reject_question', room, sender_id: ALICE.id, actor: COHOST.id },
    ])

    // Ops in Studio: credited to the database user.
    const fromStudio = await ask(room, HOST, 'Dismissed in Studio')
    await sql`update chat.questions set state = 'dismissed' where id = ${fromStudio.id}`
    const [user] = await sql<{ name: string }[]>`select current_user as name`
    expect(await moderationLog(fromStudio.id)).toEqual([
      { action: 'dismiss_question', room, sender_id: HOST.id, actor: user?.name },
    ])
  })

  it('sets edited_at when the text changes, also in Studio', async () => {
    const room = uniqueRoom('qa')
    const asked = await ask(room, ALICE, 'Typo here')
    expect((await stored(asked.id))?.edited_at).toBeNull()
    await sql`update chat.questions set body = 'Fixed in Studio' where id = ${asked.id}`
    expect((await stored(asked.id))?.edited_at).toBeInstanceOf(Date)
  })
})

// The room's Q&A over HTTP (issue 22), played as the people in the room: Ana asks, Ben and the
// host read and vote, and each hostile request (someone else's id, a vote on one's own question, a
// pending question looked for by others, an anonymous asker looked for by the host) gets a clear
// answer and changes nothing.
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  GENEROUS_QUOTAS,
  uniqueRoom,
  userIdOf,
} from '../../../test/chat-harness.ts'
import {
  DEFAULT_ROOM_SETTINGS,
  questionBoardSchema,
  type RoomSettings,
  storedQuestionSchema,
} from '../../_shared/protocol.ts'

type QuestionSettings = NonNullable<RoomSettings['questions']>

describe('/rooms/:room/questions', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  /** A room whose owner set `send` and the Q&A rules in `questions` (the rest as by default). */
  async function setup(
    settings: { send?: RoomSettings['send']; questions?: Partial<QuestionSettings> } = {},
  ) {
    const room = uniqueRoom('questions')
    const ana = await chat.tokenFor(room, 'Ana')
    const ben = await chat.tokenFor(room, 'Ben')
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const saved = await chat.call('PUT', `/rooms/${room}/settings`, {
      token: host,
      body: {
        ...DEFAULT_ROOM_SETTINGS,
        ...(settings.send ? { send: settings.send } : {}),
        questions: { ...DEFAULT_ROOM_SETTINGS.questions, ...settings.questions },
      },
    })
    expect(saved.status).toBe(200)
    const ask = (token: string, body: Record<string, unknown>) =>
      chat.call('POST', `/rooms/${room}/questions`, {
        token,
        body: { id: chat.newIdFor(token), ...body },
      })
    const board = async (token: string) => {
      const response = await chat.call('GET', `/rooms/${room}/questions`, { token })
      expect(response.status).toBe(200)
      return questionBoardSchema.parse(await response.json()).questions
    }
    const vote = (token: string, id: string, up = true) =>
      chat.call(up ? 'PUT' : 'DELETE', `/rooms/${room}/questions/${id}/vote`, { token })
    return { room, ana, ben, host, ask, board, vote }
  }

  it('asks a question that everyone in the room then sees, with its asker’s name', async () => {
    const { ana, ben, ask, board } = await setup()
    const asked = await ask(ana, { body: '  When do we ship?  ' })
    expect(asked.status).toBe(201)
    const question = storedQuestionSchema.parse(await asked.json())
    expect(question).toMatchObject({
      body: 'When do we ship?',
      askerName: 'Ana',
      anonymous: false,
      mine: true,
      votes: 0,
      myVote: false,
      state: 'open',
      review: 'approved',
    })
    expect(await board(ben)).toEqual([{ ...question, mine: false }])
  })

  it('answers a retry with the same question, and refuses another question under its id', async () => {
    const { room, ana, board } = await setup()
    const id = chat.newIdFor(ana)
    const post = (body: string) =>
      chat.call('POST', `/rooms/${room}/questions`, { token: ana, body: { id, body } })
    expect((await post('Is lunch included?')).status).toBe(201)
    const again = await post('Is lunch included?')
    expect(again.status).toBe(200)
    await expectError(await post('Is dinner included?'), 409, 'id_conflict')
    expect((await board(ana)).map((q) => q.body)).toEqual(['Is lunch included?'])
  })

  it('refuses an id made for someone else, so nobody can take a question id seen live', async () => {
    const { room, ana, ben, board } = await setup()
    const anasId = chat.newIdFor(ana)
    const response = await chat.call('POST', `/rooms/${room}/questions`, {
      token: ben,
      body: { id: anasId, body: 'Mine now?' },
    })
    await expectError(response, 403, 'foreign_question_id')
    expect(await board(ana)).toEqual([])
  })

  it('refuses questions that are empty, too long or not text, saying why, and stores nothing', async () => {
    const { ana, ask, board } = await setup()
    const cases: [unknown, string][] = [
      ['   ', 'The question is empty'],
      ['x'.repeat(501), 'at most 500 characters'],
      [42, 'must be text'],
      ['Bell\u0007', 'control or invalid characters'],
    ]
    for (const [body, message] of cases) {
      const response = await ask(ana, { body })
      const error = await expectError(response, 400, 'invalid_input')
      expect(JSON.stringify(error)).toContain(message)
    }
    await expectError(await ask(ana, { body: 'Ok?', anonymous: 'yes' }), 400, 'invalid_input')
    await expectError(await ask(ana, { body: 'Ok?', extra: 1 }), 400, 'invalid_input')
    expect(await board(ana)).toEqual([])
  })

  it('counts one upvote per person, never the asker’s own, and takes it back', async () => {
    const { ana, ben, host, ask, board, vote } = await setup()
    const { id } = storedQuestionSchema.parse(await (await ask(ana, { body: 'Slides?' })).json())
    await expectError(await vote(ana, id), 403, 'own_question')
    const voted = await vote(ben, id)
    expect(voted.status).toBe(200)
    expect(storedQuestionSchema.parse(await voted.json())).toMatchObject({ votes: 1, myVote: true })
    expect((await vote(ben, id)).status).toBe(200)
    expect((await vote(host, id)).status).toBe(200)
    expect((await board(ana))[0]).toMatchObject({ votes: 2, myVote: false })
    const withdrawn = await vote(ben, id, false)
    expect(storedQuestionSchema.parse(await withdrawn.json())).toMatchObject({
      votes: 1,
      myVote: false,
    })
  })

  it('answers a vote on a question that does not exist, or is not a question id, clearly', async () => {
    const { ben, vote } = await setup()
    await expectError(await vote(ben, chat.newIdFor(ben)), 404, 'question_not_found')
    await expectError(await vote(ben, 'not-an-id'), 400, 'invalid_input')
  })

  it('never names the asker of an anonymous question: not to Ben, not to the host', async () => {
    const { ana, ben, host, ask, board, vote } = await setup({ questions: { anonymous: true } })
    const anaId = userIdOf(ana)
    const asked = await ask(ana, { body: 'Is this recorded?', anonymous: true })
    expect(asked.status).toBe(201)
    const { id } = storedQuestionSchema.parse(await asked.json())
    for (const reader of [ben, host]) {
      const answers = [
        JSON.stringify(await board(reader)),
        await (await vote(reader, id)).text(),
        await (await vote(reader, id, false)).text(),
      ]
      for (const text of answers) {
        expect(text).not.toContain('Ana')
        expect(text).not.toContain(anaId)
        expect(text).toContain('"anonymous":true')
      }
    }
    expect((await board(ana))[0]).toMatchObject({ mine: true, anonymous: true })
  })

  it('tells the room live of each new question and vote, from the function, naming no anonymous asker and no voter', async () => {
    const { room, ana, ben, ask, vote } = await setup({ questions: { anonymous: true } })
    const liveTo = async () => {
      await chat.liveSettled()
      return chat.liveSent.filter((sent) => sent.room === room).map((sent) => sent.data)
    }
    const { id } = storedQuestionSchema.parse(
      await (await ask(ana, { body: 'Who pays for lunch?', anonymous: true })).json(),
    )
    expect(await liveTo()).toEqual([
      {
        v: 1,
        type: 'questions',
        questions: [expect.objectContaining({ id, body: 'Who pays for lunch?', votes: 0 })],
      },
    ])
    expect((await vote(ben, id)).status).toBe(200)
    const [, afterVote] = await liveTo()
    expect(afterVote).toMatchObject({ type: 'questions', questions: [{ id, votes: 1 }] })
    const said = JSON.stringify(await liveTo())
    for (const who of ['Ana', userIdOf(ana), 'Ben', userIdOf(ben), '"mine"', '"myVote"']) {
      expect(said).not.toContain(who)
    }
  })

  it('says nothing live of a question waiting for approval', async () => {
    const { room, ana, ask } = await setup({ questions: { needApproval: true } })
    expect((await ask(ana, { body: 'Off the record?' })).status).toBe(201)
    await chat.liveSettled()
    expect(chat.liveSent.filter((sent) => sent.room === room)).toEqual([])
  })

  it('holds a board to 1,000 questions; dismissing one makes room', async () => {
    const { room, ana, host, ask } = await setup()
    await chat.sql`
      insert into chat.questions (id, room, asker_id, asker_name, body)
      select gen_random_uuid(), ${room}, 'seed', 'Seed', 'Seeded question ' || g
      from generate_series(1, 1000) as g`
    const refused = await expectError(await ask(ana, { body: 'One more?' }), 409, 'board_full')
    expect(refused.message).toContain('1000 questions')
    const [oldest] = await chat.sql<{ id: string }[]>`
      select id from chat.questions where room = ${room} order by created_at limit 1`
    const dismissed = await chat.call('PUT', `/rooms/${room}/questions/${oldest?.id}/state`, {
      token: host,
      body: { state: 'dismissed' },
    })
    expect(dismissed.status).toBe(200)
    expect((await ask(ana, { body: 'One more?' })).status).toBe(201)
  })

  it('refuses an anonymous question where the room does not allow them', async () => {
    const { ana, ask, board } = await setup()
    await expectError(await ask(ana, { body: 'Psst?', anonymous: true }), 403, 'anonymous_off')
    expect(await board(ana)).toEqual([])
  })

  it('keeps a question that needs approval from everyone but its asker and the owners', async () => {
    const { ana, ben, host, ask, board, vote } = await setup({ questions: { needApproval: true } })
    const asked = await ask(ana, { body: 'Can I share my screen?' })
    expect(asked.status).toBe(201)
    const { id, review } = storedQuestionSchema.parse(await asked.json())
    expect(review).toBe('pending')
    expect(await board(ben)).toEqual([])
    expect((await board(host)).map((q) => q.id)).toEqual([id])
    // Ben learns nothing, not even that it exists: as for an id that never existed.
    const pending = await vote(ben, id)
    const never = await vote(ben, chat.newIdFor(ana))
    const withoutRequest = async (response: Response) => {
      const { requestId: _, ...error } = (await response.json()).error
      return { status: response.status, error }
    }
    expect(await withoutRequest(pending)).toEqual(await withoutRequest(never))
    await expectError(await vote(host, id), 409, 'question_closed')
  })

  it('follows the room’s settings: chat off closes Q&A, unless Q&A is set on its own', async () => {
    const off = await setup({ send: 'nobody' })
    await expectError(await off.ask(off.ana, { body: 'Hello?' }), 403, 'questions_off')
    await expectError(await off.ask(off.host, { body: 'Hello?' }), 403, 'questions_off')

    const own = await setup({ send: 'nobody', questions: { who: 'everyone' } })
    expect((await own.ask(own.ana, { body: 'Hello?' })).status).toBe(201)

    const owners = await setup({ questions: { who: 'owners' } })
    await expectError(await owners.ask(owners.ana, { body: 'Hello?' }), 403, 'owners_only')
    const fromHost = await owners.ask(owners.host, { body: 'Questions, anyone?' })
    const { id } = storedQuestionSchema.parse(await fromHost.json())
    await expectError(await owners.vote(owners.ben, id), 403, 'owners_only')
  })

  it('refuses a blocked person’s question, saying why', async () => {
    const { room, ben, ask, board } = await setup()
    await chat.sql`insert into chat.blocked_senders (sender_id, room, reason)
      values (${userIdOf(ben)}, ${room}, 'Spam')`
    const response = await ask(ben, { body: 'Buy my course?' })
    const error = await expectError(response, 403, 'sender_blocked')
    expect(error.message).toContain('Spam')
    expect(await board(ben)).toEqual([])
  })

  it('lets the asker edit until someone votes, and nobody else ever', async () => {
    const { room, ana, ben, ask, board, vote } = await setup()
    const { id } = storedQuestionSchema.parse(
      await (await ask(ana, { body: 'Typo qestion?' })).json(),
    )
    const patch = (token: string, body: unknown) =>
      chat.call('PATCH', `/rooms/${room}/questions/${id}`, { token, body })
    await expectError(await patch(ben, { body: 'Hijacked?' }), 403, 'not_your_question')
    await expectError(await patch(ana, { body: '' }), 400, 'invalid_input')
    const edited = await patch(ana, { body: 'Typo question?' })
    expect(edited.status).toBe(200)
    expect(storedQuestionSchema.parse(await edited.json())).toMatchObject({
      body: 'Typo question?',
      editedAt: expect.any(String),
    })
    expect((await vote(ben, id)).status).toBe(200)
    await expectError(await patch(ana, { body: 'Something else?' }), 409, 'question_has_votes')
    expect((await board(ben)).map((q) => q.body)).toEqual(['Typo question?'])
  })

  it('lets the asker withdraw their question, and nobody else', async () => {
    const { room, ana, ben, host, ask, board } = await setup()
    const { id } = storedQuestionSchema.parse(
      await (await ask(ana, { body: 'Never mind?' })).json(),
    )
    const withdraw = (token: string) =>
      chat.call('DELETE', `/rooms/${room}/questions/${id}`, { token })
    await expectError(await withdraw(ben), 403, 'not_your_question')
    await expectError(await withdraw(host), 403, 'not_your_question')
    expect((await withdraw(ana)).status).toBe(204)
    expect(await board(ben)).toEqual([])
    await expectError(await withdraw(ana), 404, 'question_not_found')
    await chat.liveSettled()
    const removals = chat.liveSent
      .filter((sent) => sent.room === room)
      .map((sent) => (sent.data as { removed?: string[] }).removed)
    expect(removals).toContainEqual([id])
  })

  it('lets owners mark one question as being answered, answer it and dismiss others; members cannot', async () => {
    const { room, ana, ben, host, ask, board } = await setup()
    const asked = async (body: string) =>
      storedQuestionSchema.parse(await (await ask(ana, { body })).json()).id
    const first = await asked('First?')
    const second = await asked('Second?')
    const setState = (token: string, id: string, body: unknown) =>
      chat.call('PUT', `/rooms/${room}/questions/${id}/state`, { token, body })
    await expectError(await setState(ben, first, { state: 'answering' }), 403, 'owners_only')
    expect((await setState(host, first, { state: 'answering' })).status).toBe(200)
    expect((await setState(host, second, { state: 'answering' })).status).toBe(200)
    // One at a time: the first went back to open.
    const states = Object.fromEntries((await board(ben)).map((q) => [q.id, q.state]))
    expect(states).toEqual({ [first]: 'open', [second]: 'answering' })
    await expectError(
      await setState(host, first, { state: 'open', answer: 'Yes' }),
      400,
      'invalid_input',
    )
    await expectError(await setState(host, first, { state: 'later' }), 400, 'invalid_input')
    const answered = await setState(host, second, { state: 'answered', answer: ' In May. ' })
    expect((await answered.json()).question).toMatchObject({ state: 'answered', answer: 'In May.' })
    const dismissed = await setState(host, first, { state: 'dismissed' })
    expect(await dismissed.json()).toEqual({ question: null })
    expect((await board(ben)).map((q) => [q.id, q.state, q.answer])).toEqual([
      [second, 'answered', 'In May.'],
    ])
    await expectError(
      await setState(host, chat.newIdFor(host), { state: 'answered' }),
      404,
      'question_not_found',
    )
  })

  it('lets owners approve and reject waiting questions at once; the asker sees the rejection', async () => {
    const { room, ana, ben, host, ask, board } = await setup({ questions: { needApproval: true } })
    const asked = async (body: string) =>
      storedQuestionSchema.parse(await (await ask(ana, { body })).json()).id
    const good = await asked('Good question?')
    const bad = await asked('Bad question?')
    const review = (token: string, body: unknown) =>
      chat.call('POST', `/rooms/${room}/questions/review`, { token, body })
    await expectError(await review(ben, { ids: [good], approve: true }), 403, 'owners_only')
    await expectError(await review(host, { ids: [], approve: true }), 400, 'invalid_input')
    const tooMany = Array.from({ length: 101 }, () => chat.newIdFor(host))
    await expectError(await review(host, { ids: tooMany, approve: true }), 400, 'invalid_input')

    const elsewhere = chat.newIdFor(host)
    const approved = await review(host, { ids: [good, elsewhere], approve: true })
    expect((await approved.json()).results).toEqual([
      { id: good, outcome: 'approved', question: expect.objectContaining({ review: 'approved' }) },
      { id: elsewhere, outcome: 'not_found' },
    ])
    const rejected = await review(host, { ids: [bad, good], approve: false })
    expect((await rejected.json()).results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'rejected',
      'unchanged',
    ])
    expect((await board(ben)).map((q) => q.id)).toEqual([good])
    expect((await board(host)).map((q) => q.id)).toEqual([good])
    const mine = Object.fromEntries((await board(ana)).map((q) => [q.id, q.review]))
    expect(mine).toEqual({ [good]: 'approved', [bad]: 'rejected' })
    await chat.liveSettled()
    const said = chat.liveSent.filter((sent) => sent.room === room).map((sent) => sent.data)
    expect(said).toContainEqual(
      expect.objectContaining({ questions: [expect.objectContaining({ id: good })] }),
    )
    expect(said).toContainEqual(expect.objectContaining({ questions: [], removed: [bad] }))
    expect(JSON.stringify(said)).not.toContain('Bad question?')
  })

  it('ends transcripts with the board as the reader sees it, an anonymous asker as Anonymous', async () => {
    const { room, ana, ben, host, ask, vote } = await setup({ questions: { anonymous: true } })
    const named = storedQuestionSchema.parse(
      await (await ask(ben, { body: 'Named **question**?' })).json(),
    )
    await ask(ana, { body: 'Who is listening?', anonymous: true })
    expect((await vote(ana, named.id)).status).toBe(200)
    await chat.call('PUT', `/rooms/${room}/questions/${named.id}/state`, {
      token: host,
      body: { state: 'answered', answer: '# Yes.' },
    })
    const transcript = async (format: 'md' | 'json') =>
      chat.call('GET', `/rooms/${room}/transcript?format=${format}`, { token: host })

    const markdown = await (await transcript('md')).text()
    expect(markdown).toContain(
      '## Questions (2)\n\n### 1 vote · Ben · answered\n\n> Named **question**?\n\nAnswered:\n\n> # Yes.\n\n',
    )
    expect(markdown).toContain('### 0 votes · Anonymous · open\n\n> Who is listening?')
    const json = await (await transcript('json')).json()
    expect(json.questions.map((q: { body: string }) => q.body)).toEqual([
      'Named **question**?',
      'Who is listening?',
    ])
    for (const text of [markdown, JSON.stringify(json)]) {
      expect(text).not.toContain('Ana')
      expect(text).not.toContain(userIdOf(ana))
    }
  })

  it('asks for a token, and keeps one room’s questions from another room’s token', async () => {
    const { room, ana, ask } = await setup()
    expect((await ask(ana, { body: 'Ours?' })).status).toBe(201)
    await expectError(await chat.call('GET', `/rooms/${room}/questions`), 401, 'missing_token')
    const elsewhere = await chat.tokenFor(uniqueRoom('other'), 'Eve')
    await expectError(
      await chat.call('GET', `/rooms/${room}/questions`, { token: elsewhere }),
      403,
      'wrong_room',
    )
  })
})

describe('question quotas', () => {
  const chat = createChatHarness({
    quotas: {
      ...GENEROUS_QUOTAS,
      question: { count: 2, windowSeconds: 3600 },
      questionVote: { count: 2, windowSeconds: 3600 },
    },
  })
  afterAll(() => chat.close())

  it('holds a person to the question and vote quotas, with Retry-After', async () => {
    const room = uniqueRoom('question-quota')
    const ana = await chat.tokenFor(room, 'Ana')
    const ben = await chat.tokenFor(room, 'Ben')
    const ask = () =>
      chat.call('POST', `/rooms/${room}/questions`, {
        token: ana,
        body: { id: chat.newIdFor(ana), body: 'One more?' },
      })
    const first = storedQuestionSchema.parse(await (await ask()).json())
    expect((await ask()).status).toBe(201)
    const refused = await ask()
    await expectError(refused, 429, 'rate_limited')
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)

    const vote = (up: boolean) =>
      chat.call(up ? 'PUT' : 'DELETE', `/rooms/${room}/questions/${first.id}/vote`, {
        token: ben,
      })
    expect((await vote(true)).status).toBe(200)
    expect((await vote(false)).status).toBe(200)
    await expectError(await vote(true), 429, 'rate_limited')
    const [stored] = await chat.sql<{ votes: number }[]>`
      select votes from chat.questions where id = ${first.id}`
    expect(stored?.votes).toBe(0)
  })
})

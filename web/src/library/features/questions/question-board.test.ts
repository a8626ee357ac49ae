import { type LiveQuestion, newMessageId, type StoredQuestion } from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import { type FakeRoutes, fakeRoute } from '../../../../test-support/fake-routes.ts'
import { ChatApiError } from '../../engine/chat-api.ts'
import { OWNER_QUEUE_READ_MS, QuestionBoard } from './question-board.ts'

const me = 'user-me'
const ana = 'user-ana'

let minute = 0
/** A question of Ana's as the function answers it to Me; `createdAt` one minute after the last. */
function question(body: string, fields: Partial<StoredQuestion> = {}): StoredQuestion {
  minute += 1
  return {
    id: newMessageId(ana),
    body,
    askerName: 'Ana',
    anonymous: false,
    mine: false,
    votes: 0,
    myVote: false,
    state: 'open',
    review: 'approved',
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, minute)).toISOString(),
    revision: 1,
    ...fields,
  }
}

/** The same question as it travels live: without what only its reader knows. */
function live({ mine: _mine, myVote: _myVote, ...rest }: StoredQuestion): LiveQuestion {
  return rest
}

/** Me's board, read from a room whose GET answers `questions`; `routes` answer the actions. */
async function boardOf(questions: StoredQuestion[], routes: FakeRoutes = {}, owner = false) {
  const reads = vi.fn(() => ({ questions }))
  const api = { route: fakeRoute({ 'GET /questions': reads, ...routes }) }
  const board = new QuestionBoard({ api, userId: me, owner, log: vi.fn() })
  await board.refresh()
  const bodies = () => board.getSnapshot().questions.map((shown) => shown.body)
  const receive = (changed: StoredQuestion[], removed?: string[]) =>
    board.live.receive(
      { v: 1, type: 'questions', questions: changed.map(live), ...(removed ? { removed } : {}) },
      { sessionId: 'API', id: 'API', name: 'Room', known: true, owner: true },
    )
  return { board, bodies, receive, reads }
}

describe('The Q&A board', () => {
  it('shows the most voted question first, then the oldest', async () => {
    const first = question('First asked')
    const second = question('Second asked')
    const popular = question('Popular', { votes: 3 })
    const { bodies } = await boardOf([first, second, popular])
    expect(bodies()).toEqual(['Popular', 'First asked', 'Second asked'])
  })

  it("takes a live copy only when it is newer, and keeps the reader's own vote and authorship", async () => {
    const voted = question('Mine to vote on', { votes: 1, myVote: true, revision: 5 })
    const own = question('My own', { mine: true, revision: 2 })
    const { board, receive } = await boardOf([voted, own])
    receive([
      { ...voted, votes: 7, myVote: false, revision: 6 },
      { ...own, votes: 2, revision: 3 },
    ])
    receive([{ ...voted, votes: 0, revision: 4 }])
    const shown = board.getSnapshot().questions
    expect(shown[0]).toMatchObject({ body: 'Mine to vote on', votes: 7, myVote: true })
    expect(shown[1]).toMatchObject({ body: 'My own', votes: 2, mine: true })
  })

  it('adds a new question live, knows its own by its id, and drops the removed ones', async () => {
    const leaving = question('Withdrawn soon')
    const { board, bodies, receive } = await boardOf([leaving])
    const mine = question('Asked in another tab', { id: newMessageId(me) })
    receive([mine], [leaving.id])
    expect(bodies()).toEqual(['Asked in another tab'])
    expect(board.getSnapshot().questions[0]?.mine).toBe(true)
  })

  it('puts the question being answered back to open when another one is being answered', async () => {
    const before = question('Answered a minute ago', { state: 'answering', revision: 3 })
    const next = question('Next one')
    const { board, receive } = await boardOf([before, next])
    receive([{ ...next, state: 'answering', revision: 2 }])
    const states = board.getSnapshot().questions.map(({ body, state }) => [body, state])
    expect(states).toEqual([
      ['Answered a minute ago', 'open'],
      ['Next one', 'answering'],
    ])
  })

  it("reads the board again when the reader's own question leaves it, to show it rejected", async () => {
    const own = question('Mine, pending', { mine: true, review: 'pending' })
    const { board, receive, reads } = await boardOf([own])
    reads.mockReturnValue({ questions: [{ ...own, review: 'rejected', revision: 2 }] })
    receive([], [own.id])
    await vi.waitFor(() => expect(board.getSnapshot().questions[0]?.review).toBe('rejected'))
  })

  it('tells screen readers of a new question and of the one being answered now', async () => {
    const waiting = question('Will it be recorded?')
    const { board, receive } = await boardOf([waiting])
    receive([question('Where are the slides?')])
    expect(board.news.getSnapshot().text).toBe('New question: Where are the slides?')
    receive([{ ...waiting, state: 'answering', revision: 2 }])
    expect(board.news.getSnapshot().text).toBe('Now answering: Will it be recorded?')
  })
})

describe('The order while the reader is on the board', () => {
  it('stays as it was under the pointer or focus, with counts changing in place, and says how many updates wait', async () => {
    const top = question('Top', { votes: 2 })
    const low = question('Low')
    const { board, bodies, receive } = await boardOf([top, low])
    board.hold(true)
    receive([{ ...low, votes: 5, revision: 2 }, question('Brand new')])
    expect(bodies()).toEqual(['Top', 'Low'])
    expect(board.getSnapshot().questions[1]?.votes).toBe(5)
    expect(board.getSnapshot().waiting).toBe(3)
  })

  it('moves to the new order when the reader asks for it, and stays held there', async () => {
    const top = question('Top', { votes: 2 })
    const low = question('Low')
    const { board, bodies, receive } = await boardOf([top, low])
    board.hold(true)
    receive([{ ...low, votes: 5, revision: 2 }])
    board.showUpdates()
    expect(bodies()).toEqual(['Low', 'Top'])
    expect(board.getSnapshot().waiting).toBe(0)
    receive([{ ...top, votes: 9, revision: 2 }])
    expect(bodies()).toEqual(['Low', 'Top'])
  })

  it('moves to the new order once the pointer and focus leave', async () => {
    const top = question('Top', { votes: 2 })
    const low = question('Low')
    const { board, bodies, receive } = await boardOf([top, low])
    board.hold(true)
    receive([{ ...low, votes: 5, revision: 2 }], [top.id])
    expect(bodies()).toEqual(['Low'])
    receive([question('Later')])
    board.hold(false)
    expect(bodies()).toEqual(['Low', 'Later'])
    expect(board.getSnapshot().waiting).toBe(0)
  })
})

describe('Acting on the board', () => {
  it('asks a question once: a retry after a failure reuses its id', async () => {
    const ids: string[] = []
    let fail = true
    const { board, bodies } = await boardOf([], {
      'POST /questions': ({ json }) => {
        const { id, body } = json as { id: string; body: string }
        ids.push(id)
        if (fail) throw new ChatApiError(0, 'network', 'Could not reach the chat server.')
        return question(body, { id, mine: true })
      },
    })
    expect(await board.ask('Is lunch included?', false)).toEqual({
      ok: false,
      error: 'Could not reach the chat server.',
    })
    fail = false
    expect(await board.ask('Is lunch included?', false)).toEqual({ ok: true })
    expect(ids).toHaveLength(2)
    expect(ids[1]).toBe(ids[0])
    expect(bodies()).toEqual(['Is lunch included?'])
  })

  it("shows the function's refusal in its own words", async () => {
    const theirs = question('Closed one', { state: 'answered' })
    const { board } = await boardOf([theirs], {
      'PUT /questions/:id/vote': () => {
        throw new ChatApiError(
          409,
          'question_closed',
          'This question takes no votes now: it was answered, or it waits for approval.',
        )
      },
    })
    expect(await board.vote(theirs.id, true)).toEqual({
      ok: false,
      error: 'This question takes no votes now: it was answered, or it waits for approval.',
    })
  })

  it('lets the asker edit only while nobody voted, and nobody upvote their own question', async () => {
    const own = question('Mine', { mine: true })
    const { board } = await boardOf([own])
    expect(board.canEdit(own)).toBe(true)
    expect(board.canEdit({ ...own, votes: 1 })).toBe(false)
    expect(board.canVote(own)).toBe(false)
    expect(board.canVote(question('Theirs'))).toBe(true)
  })

  it('takes a dismissed question off the board at once, and an approved one on', async () => {
    const gone = question('Off topic')
    const waiting = question('Waiting', { review: 'pending' })
    const { board, bodies } = await boardOf(
      [gone, waiting],
      {
        'PUT /questions/:id/state': () => ({ question: null }),
        'POST /questions/review': () => ({
          results: [
            {
              id: waiting.id,
              outcome: 'approved',
              question: { ...waiting, review: 'approved', revision: 2 },
            },
          ],
        }),
      },
      true,
    )
    expect(await board.setState(gone.id, 'dismissed')).toEqual({ ok: true })
    expect(await board.review([waiting.id], true)).toEqual({ ok: true })
    expect(board.getSnapshot().questions.map(({ body, review }) => [body, review])).toEqual([
      ['Waiting', 'approved'],
    ])
    expect(bodies()).toEqual(['Waiting'])
  })
})

describe('An owner’s board while questions wait for approval', () => {
  /** A board read every OWNER_QUEUE_READ_MS while `needApproval` says so; how often it was read. */
  function polled(owner: boolean, needApproval: { now: boolean }) {
    const clock = new FakeClock()
    const reads = vi.fn(() => ({ questions: [question('Waiting', { review: 'pending' })] }))
    const api = { route: fakeRoute({ 'GET /questions': reads }) }
    const board = new QuestionBoard({
      api,
      userId: me,
      owner,
      needApproval: () => needApproval.now,
      clock,
      log: vi.fn(),
    })
    return { board, clock, reads }
  }

  it('is read again every few seconds, so a waiting question reaches the owners without news', async () => {
    const { board, clock, reads } = polled(true, { now: true })
    clock.advance(OWNER_QUEUE_READ_MS)
    await vi.waitFor(() =>
      expect(board.getSnapshot().questions.map((q) => q.body)).toEqual(['Waiting']),
    )
    clock.advance(OWNER_QUEUE_READ_MS)
    expect(reads).toHaveBeenCalledTimes(2)
    board.dispose()
    clock.advance(OWNER_QUEUE_READ_MS * 3)
    expect(reads).toHaveBeenCalledTimes(2)
  })

  it('is not read on a timer while nothing waits for approval, nor for anyone but an owner', () => {
    const settings = { now: false }
    const owner = polled(true, settings)
    owner.clock.advance(OWNER_QUEUE_READ_MS * 3)
    expect(owner.reads).not.toHaveBeenCalled()
    settings.now = true
    owner.clock.advance(OWNER_QUEUE_READ_MS)
    expect(owner.reads).toHaveBeenCalledTimes(1)
    owner.board.dispose()

    const member = polled(false, { now: true })
    member.clock.advance(OWNER_QUEUE_READ_MS * 3)
    expect(member.reads).not.toHaveBeenCalled()
  })
})

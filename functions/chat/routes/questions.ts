import { type Context, Hono } from 'hono'
import {
  askQuestionRequestSchema,
  editQuestionRequestSchema,
  isMessageIdOf,
  MAX_BOARD_QUESTIONS,
  QUESTION_REFUSALS,
  questionStateRequestSchema,
  reviewQuestionsRequestSchema,
  type StoredQuestion,
} from '../../_shared/protocol.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError, senderBlocked } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody, messageIdParam } from '../request.ts'

const questionNotFound = () =>
  new ApiError(404, 'question_not_found', 'There is no such question in this room.')

/** Why a person may not ask, vote or edit now: a block, or the room's Q&A settings. */
function refused(
  outcome: { kind: 'blocked'; reason: string } | { kind: keyof typeof QUESTION_REFUSALS },
): ApiError {
  return outcome.kind === 'blocked'
    ? senderBlocked(outcome.reason, 'taking part')
    : new ApiError(403, outcome.kind, QUESTION_REFUSALS[outcome.kind])
}

const questionId = (c: Context<RoomEnv>) => messageIdParam(c, 'Question ids are UUIDs.')

const ownersOnly = () =>
  new ApiError(
    403,
    'owners_only',
    "Only the room's owners can answer, dismiss or review questions.",
  )

/**
 * The room's Q&A (issue 22), behind the token, mounted at `/rooms/:room/questions`:
 * - `GET /`: the board as the reader sees it (`{questions}`, by votes, then by age);
 * - `POST /` `{id, body, anonymous?}`: ask (201; 200 for a retry of the same question);
 * - `PUT` and `DELETE /:id/vote`: upvote a question, or take the vote back, idempotently;
 * - `PATCH /:id` `{body}` and `DELETE /:id`: the asker edits (until someone votes) or withdraws;
 * - owners: `PUT /:id/state` `{state, answer?}`, and `POST /review` `{ids, approve}`.
 * Each answer holds the question as the person now sees it, and the room learns of the change
 * live from the function. The database decides, under the room's lock, who may do what (the
 * room's settings, blocks) and what a question allows.
 */
export function questionRoutes({ config, store, live }: ChatDeps) {
  /**
   * Everyone in the room learns of a question as it now is, or that it left their board (a
   * question waiting for approval is never shown to them, so it too has left it).
   */
  const announce = (room: string, question: StoredQuestion) => {
    if (question.review === 'approved' && question.state !== 'dismissed') {
      live?.questionsChanged(room, [question])
    } else {
      live?.questionsRemoved(room, [question.id])
    }
  }
  const requireAskerQuota = (userId: string) =>
    requireQuota(
      store,
      'question',
      userId,
      config.quotas.question,
      'You are asking or changing questions too quickly',
    )
  const requireModerationQuota = (userId: string) =>
    requireQuota(
      store,
      'question_moderation',
      userId,
      config.quotas.questionModeration,
      'You are changing questions too quickly',
    )

  async function vote(c: Context<RoomEnv>, up: boolean) {
    const id = questionId(c)
    const { room, user, owner } = c.var
    await requireQuota(
      store,
      'question_vote',
      user.id,
      config.quotas.questionVote,
      'You are voting too quickly',
    )
    const outcome = await store.voteQuestion(room, id, user.id, up, owner)
    switch (outcome.kind) {
      case 'voted':
      case 'withdrawn':
        announce(room, outcome.question)
        return c.json(outcome.question)
      case 'unchanged':
        return c.json(outcome.question)
      case 'not_found':
        throw questionNotFound()
      case 'own_question':
        throw new ApiError(403, 'own_question', 'You cannot upvote your own question.')
      case 'closed':
        throw new ApiError(
          409,
          'question_closed',
          'This question takes no votes now: it was answered, or it waits for approval.',
        )
      case 'blocked':
      case 'questions_off':
      case 'owners_only':
        throw refused(outcome)
    }
  }

  return new Hono<RoomEnv>()
    .get('/', async (c) => {
      const { room, user, owner } = c.var
      return c.json({ questions: await store.loadQuestions(room, user.id, owner) })
    })
    .post('/', async (c) => {
      const { id, body, anonymous = false } = await jsonBody(c, askQuestionRequestSchema)
      const { room, user, owner } = c.var
      if (!isMessageIdOf(id, user.id)) {
        // As for messages: an id seen live must not let someone else take it first.
        throw new ApiError(
          403,
          'foreign_question_id',
          'This question id belongs to someone else. Make ids with newMessageId(your user id) and ask with a new one.',
        )
      }
      await requireAskerQuota(user.id)
      const outcome = await store.askQuestion(room, { id, asker: user, body, anonymous }, owner)
      switch (outcome.kind) {
        case 'created':
          // A question waiting for approval was never on anyone else's board: nothing to tell.
          if (outcome.question.review === 'approved') announce(room, outcome.question)
          return c.json(outcome.question, 201)
        case 'duplicate':
          // Told again: the first answer (and its news) may have been lost with its instance.
          if (outcome.question.review === 'approved') announce(room, outcome.question)
          return c.json(outcome.question, 200)
        case 'conflict':
          throw new ApiError(
            409,
            'id_conflict',
            'A different question was already asked with this id. Ask with a new id.',
          )
        case 'board_full':
          throw new ApiError(
            409,
            'board_full',
            `This room's board holds ${MAX_BOARD_QUESTIONS} questions, its most. An owner can dismiss answered ones to make room.`,
          )
        case 'anonymous_off':
          throw new ApiError(
            403,
            'anonymous_off',
            'This room does not allow anonymous questions: ask with your name.',
          )
        case 'blocked':
        case 'questions_off':
        case 'owners_only':
          throw refused(outcome)
      }
    })
    .put('/:id/vote', (c) => vote(c, true))
    .delete('/:id/vote', (c) => vote(c, false))
    .post('/review', async (c) => {
      const { room, user, owner } = c.var
      if (!owner) throw ownersOnly()
      const { ids, approve } = await jsonBody(c, reviewQuestionsRequestSchema)
      await requireModerationQuota(user.id)
      const results = await store.reviewQuestions(room, ids, user.id, approve)
      const approved = results.flatMap((result) =>
        result.outcome === 'approved' && result.question ? [result.question] : [],
      )
      if (approved.length > 0) live?.questionsChanged(room, approved)
      // Its asker learns of a rejection from their board (their own rejected question stays on it).
      const rejected = results.filter((r) => r.outcome === 'rejected').map((r) => r.id)
      if (rejected.length > 0) live?.questionsRemoved(room, rejected)
      return c.json({ results })
    })
    .patch('/:id', async (c) => {
      const id = questionId(c)
      const { body } = await jsonBody(c, editQuestionRequestSchema)
      const { room, user, owner } = c.var
      await requireAskerQuota(user.id)
      const outcome = await store.editQuestion(room, id, user.id, body, owner)
      switch (outcome.kind) {
        case 'edited':
          announce(room, outcome.question)
          return c.json(outcome.question)
        case 'unchanged':
          return c.json(outcome.question)
        case 'not_found':
          throw questionNotFound()
        case 'forbidden':
          throw new ApiError(403, 'not_your_question', 'Only its asker can change a question.')
        case 'closed':
          throw new ApiError(
            409,
            'question_closed',
            'This question can no longer be edited: it is being answered, answered or rejected.',
          )
        case 'has_votes':
          throw new ApiError(
            409,
            'question_has_votes',
            'People have voted for this question as it is, so it can no longer be edited. Withdraw it and ask again instead.',
          )
        case 'blocked':
        case 'questions_off':
        case 'owners_only':
          throw refused(outcome)
      }
    })
    .delete('/:id', async (c) => {
      const id = questionId(c)
      const { room, user } = c.var
      await requireAskerQuota(user.id)
      const outcome = await store.withdrawQuestion(room, id, user.id)
      switch (outcome.kind) {
        case 'withdrawn':
          live?.questionsRemoved(room, [id])
          return c.body(null, 204)
        case 'not_found':
          throw questionNotFound()
        case 'forbidden':
          throw new ApiError(403, 'not_your_question', 'Only its asker can withdraw a question.')
      }
    })
    .put('/:id/state', async (c) => {
      const id = questionId(c)
      const { room, user, owner } = c.var
      if (!owner) throw ownersOnly()
      const { state, answer } = await jsonBody(c, questionStateRequestSchema)
      await requireModerationQuota(user.id)
      const outcome = await store.setQuestionState(room, id, user.id, state, answer)
      switch (outcome.kind) {
        case 'changed':
          if (outcome.question) announce(room, outcome.question)
          else live?.questionsRemoved(room, [id])
          return c.json({ question: outcome.question })
        case 'unchanged':
          return c.json({ question: outcome.question })
        case 'not_found':
          throw questionNotFound()
        case 'pending':
          throw new ApiError(
            409,
            'question_pending',
            'This question waits for approval (or was rejected): approve it first.',
          )
      }
    })
}

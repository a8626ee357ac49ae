import { type Context, Hono } from 'hono'
import {
  askQuestionRequestSchema,
  isMessageIdOf,
  QUESTION_REFUSALS,
  type StoredQuestion,
} from '../../_shared/protocol.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody, messageIdParam } from '../request.ts'

const questionNotFound = () =>
  new ApiError(404, 'question_not_found', 'There is no such question in this room.')

const blocked = (reason: string) =>
  new ApiError(
    403,
    'sender_blocked',
    `You have been blocked from taking part here${reason ? ` (${reason})` : ''}. Ask the room's host if you think this is a mistake.`,
  )

/**
 * The room's Q&A (issue 22), behind the token, mounted at `/rooms/:room/questions`:
 * - `GET /`: the board as the reader sees it (`{questions}`, by votes, then by age);
 * - `POST /` `{id, body, anonymous?}`: ask (201; 200 for a retry of the same question);
 * - `PUT` and `DELETE /:id/vote`: upvote a question, or take the vote back, idempotently.
 * Each answer holds the question as the person now sees it. The database decides, under the
 * room's lock, who may ask and vote (the room's settings, blocks) and what a question allows.
 */
export function questionRoutes({ config, store, live }: ChatDeps) {
  /** Everyone in the room learns of a question on the board as it now is (never a pending one). */
  const announce = (room: string, question: StoredQuestion) => {
    if (question.review === 'approved' && question.state !== 'dismissed') {
      live?.questionsChanged(room, [question])
    }
  }

  async function vote(c: Context<RoomEnv>, up: boolean) {
    const id = messageIdParam(c, 'Question ids are UUIDs.')
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
        throw blocked(outcome.reason)
      case 'questions_off':
      case 'owners_only':
        throw new ApiError(403, outcome.kind, QUESTION_REFUSALS[outcome.kind])
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
      await requireQuota(
        store,
        'question',
        user.id,
        config.quotas.question,
        'You are asking questions too quickly',
      )
      const outcome = await store.askQuestion(room, { id, asker: user, body, anonymous }, owner)
      switch (outcome.kind) {
        case 'created':
          announce(room, outcome.question)
          return c.json(outcome.question, 201)
        case 'duplicate':
          // Told again: the first answer (and its news) may have been lost with its instance.
          announce(room, outcome.question)
          return c.json(outcome.question, 200)
        case 'conflict':
          throw new ApiError(
            409,
            'id_conflict',
            'A different question was already asked with this id. Ask with a new id.',
          )
        case 'anonymous_off':
          throw new ApiError(
            403,
            'anonymous_off',
            'This room does not allow anonymous questions: ask with your name.',
          )
        case 'blocked':
          throw blocked(outcome.reason)
        case 'questions_off':
        case 'owners_only':
          throw new ApiError(403, outcome.kind, QUESTION_REFUSALS[outcome.kind])
      }
    })
    .put('/:id/vote', (c) => vote(c, true))
    .delete('/:id/vote', (c) => vote(c, false))
}

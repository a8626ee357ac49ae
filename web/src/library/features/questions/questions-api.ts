import {
  type QuestionReviewResult,
  questionBoardSchema,
  questionReviewAnswerSchema,
  questionStateAnswerSchema,
  type StoredQuestion,
  storedQuestionSchema,
} from '@shared/protocol.ts'
import { z } from 'zod'
import type { RoomApi } from '../../engine/chat-api.ts'

type Api = Pick<RoomApi, 'route'>

const questionPath = (id: string, action = '') =>
  `/questions/${encodeURIComponent(id)}${action ? `/${action}` : ''}`

/** The room's board as this reader sees it, by votes, then by age. */
export function loadQuestions(api: Api): Promise<{ questions: StoredQuestion[] }> {
  return api.route('/questions', questionBoardSchema, { method: 'GET' })
}

/**
 * Asks a question; `id` is made with newMessageId(own user id), and reused for a retry.
 *
 * @example await askQuestion(api, { id: newMessageId(me), body: 'When is the break?' })
 */
export function askQuestion(
  api: Api,
  question: { id: string; body: string; anonymous?: boolean },
): Promise<StoredQuestion> {
  return api.route('/questions', storedQuestionSchema, { method: 'POST', json: question })
}

/** Upvotes the question `id` (`on`), or takes the vote back: the question as it is now. */
export function voteQuestion(api: Api, id: string, on: boolean): Promise<StoredQuestion> {
  return api.route(questionPath(id, 'vote'), storedQuestionSchema, {
    method: on ? 'PUT' : 'DELETE',
  })
}

/** The asker's new text for their question (while nobody has voted). */
export function editQuestion(api: Api, id: string, body: string): Promise<StoredQuestion> {
  return api.route(questionPath(id), storedQuestionSchema, { method: 'PATCH', json: { body } })
}

/** The asker withdraws their question: it leaves everyone's board. */
export async function withdrawQuestion(api: Api, id: string): Promise<void> {
  await api.route(questionPath(id), z.undefined(), { method: 'DELETE' })
}

/**
 * An owner marks a question open, being answered now, answered (with an answer) or dismissed: the
 * question as owners now see it, `null` once dismissed (it left every board).
 */
export async function setQuestionState(
  api: Api,
  id: string,
  state: StoredQuestion['state'],
  answer?: string,
): Promise<StoredQuestion | null> {
  const json = answer === undefined ? { state } : { state, answer }
  const { question } = await api.route(questionPath(id, 'state'), questionStateAnswerSchema, {
    method: 'PUT',
    json,
  })
  return question
}

/** An owner approves (`approve`) or rejects questions waiting for approval: each one's outcome. */
export async function reviewQuestions(
  api: Api,
  ids: readonly string[],
  approve: boolean,
): Promise<QuestionReviewResult[]> {
  const { results } = await api.route('/questions/review', questionReviewAnswerSchema, {
    method: 'POST',
    json: { ids, approve },
  })
  return results
}

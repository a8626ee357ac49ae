import type { StoredQuestion } from '@shared/protocol.ts'

/**
 * The board's order, the function's own: most votes first, then the oldest, then by id (two
 * questions asked in the same millisecond keep one order on every page).
 */
export function byBoardOrder(a: StoredQuestion, b: StoredQuestion): number {
  if (a.votes !== b.votes) return b.votes - a.votes
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/**
 * One question being answered at a time, as the function keeps it: when `question` is being
 * answered, any other marked so goes back to open (the function does not announce that one).
 */
export function answerOneAtATime(
  questions: Map<string, StoredQuestion>,
  question: StoredQuestion,
): void {
  if (question.state !== 'answering') return
  for (const other of questions.values()) {
    if (other.id !== question.id && other.state === 'answering') {
      questions.set(other.id, { ...other, state: 'open' })
    }
  }
}

/**
 * How many questions would move or arrive if the board shown in `shown` order took the order
 * of `sorted`: the count of "N updates — show".
 */
export function updatesWaiting(
  shown: readonly string[],
  sorted: readonly StoredQuestion[],
): number {
  const onShow = new Set(shown)
  const arrived = sorted.filter((question) => !onShow.has(question.id)).length
  const stillShown = sorted.filter((question) => onShow.has(question.id))
  const moved = stillShown.filter((question, index) => shown[index] !== question.id).length
  return arrived + moved
}

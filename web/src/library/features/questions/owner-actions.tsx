import type { StoredQuestion } from '@shared/protocol.ts'
import { useState } from 'react'
import type { Result } from '../../engine/result.ts'
import { AnswerForm } from './answer-form.tsx'
import type { QuestionBoard } from './question-board.ts'

/**
 * What owners do with a question: Approve and Reject while it waits for approval; then "Answering
 * now" (highlighted for everyone), "Mark answered" (with a written answer, if they like) and
 * Dismiss. Each button names its question, so a screen reader's list of buttons tells them apart.
 */
export function OwnerActions({
  question,
  start,
  board,
  act,
  keepFocus,
}: {
  question: StoredQuestion
  /** The question's start, in each button's name. */
  start: string
  board: QuestionBoard
  act: (action: () => Promise<Result>, failed: string) => Promise<boolean>
  /** The answer form closed: focus stays on the question. */
  keepFocus: () => void
}) {
  const [answering, setAnswering] = useState(false)
  const { id, review, state } = question
  if (review === 'pending') {
    return (
      <>
        <button
          type="button"
          aria-label={`Approve: ${start}`}
          onClick={() => void act(() => board.review([id], true), 'Could not approve')}
        >
          Approve
        </button>
        <button
          type="button"
          aria-label={`Reject: ${start}`}
          onClick={() => void act(() => board.review([id], false), 'Could not reject')}
        >
          Reject
        </button>
      </>
    )
  }
  if (review !== 'approved') return null
  if (answering) {
    return (
      <AnswerForm
        onSave={async (answer) => {
          const saved = await act(
            () => board.setState(id, 'answered', answer === '' ? undefined : answer),
            'Could not mark it answered',
          )
          if (!saved) return
          setAnswering(false)
          keepFocus()
        }}
        onCancel={() => {
          setAnswering(false)
          keepFocus()
        }}
      />
    )
  }
  return (
    <>
      {state === 'open' && (
        <button
          type="button"
          aria-label={`Answering now: ${start}`}
          onClick={() => void act(() => board.setState(id, 'answering'), 'Could not mark it')}
        >
          Answering now
        </button>
      )}
      {state === 'answered' ? (
        <button
          type="button"
          aria-label={`Reopen: ${start}`}
          onClick={() => void act(() => board.setState(id, 'open'), 'Could not reopen')}
        >
          Reopen
        </button>
      ) : (
        <button
          type="button"
          aria-label={`Mark answered: ${start}`}
          onClick={() => setAnswering(true)}
        >
          Mark answered
        </button>
      )}
      <button
        type="button"
        aria-label={`Dismiss: ${start}`}
        onClick={() => void act(() => board.setState(id, 'dismissed'), 'Could not dismiss')}
      >
        Dismiss
      </button>
    </>
  )
}

import { useState } from 'react'
import type { QuestionBoard } from './question-board.ts'

/**
 * Owners' review of several waiting questions at once: how many wait, and "Approve selected" and
 * "Reject selected" for those ticked on the board. Why a review was refused shows below it.
 */
export function ReviewBar({
  board,
  waiting,
  selected,
  onReviewed,
}: {
  board: QuestionBoard
  /** How many questions wait for approval. */
  waiting: number
  /** The ids ticked, of questions still waiting. */
  selected: readonly string[]
  onReviewed: () => void
}) {
  const [error, setError] = useState<string>()

  async function review(approve: boolean) {
    setError(undefined)
    const result = await board.review(selected, approve)
    if (!result.ok) {
      setError(`Could not ${approve ? 'approve' : 'reject'} them: ${result.error}`)
      return
    }
    onReviewed()
  }

  return (
    <fieldset className="bc-review-bar">
      <legend>
        {waiting === 1 ? '1 question waits' : `${waiting} questions wait`} for approval
      </legend>
      <button type="button" disabled={selected.length === 0} onClick={() => void review(true)}>
        Approve selected ({selected.length})
      </button>
      <button type="button" disabled={selected.length === 0} onClick={() => void review(false)}>
        Reject selected ({selected.length})
      </button>
      {error && (
        <p role="alert" className="bc-error">
          {error}
        </p>
      )}
    </fieldset>
  )
}

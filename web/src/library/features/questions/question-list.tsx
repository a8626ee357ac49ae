import { type FocusEvent, useEffect, useState } from 'react'
import { useStore } from '../../react/use-store.ts'
import type { QuestionBoard } from './question-board.ts'
import { QuestionItem } from './question-item.tsx'

/**
 * The board's questions, most voted first. While the pointer is over the list or focus is in it,
 * the order holds still (counts still change in place) and "N updates — show" applies it; it
 * applies by itself once both leave.
 */
export function QuestionList({ board, owner }: { board: QuestionBoard; owner: boolean }) {
  const { questions, waiting } = useStore(board)
  const [pointer, setPointer] = useState(false)
  const [focus, setFocus] = useState(false)
  const held = pointer || focus

  useEffect(() => {
    board.hold(held)
  }, [board, held])
  // Gone from the page (another tab, another room): nothing holds the order any more.
  useEffect(() => () => board.hold(false), [board])

  function blur(event: FocusEvent<HTMLElement>) {
    // Focus moving between the list's own buttons is no leaving.
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFocus(false)
  }

  return (
    <section
      className="bc-question-board"
      aria-label="Question board"
      onPointerEnter={() => setPointer(true)}
      onPointerLeave={() => setPointer(false)}
      onFocus={() => setFocus(true)}
      onBlur={blur}
    >
      {waiting > 0 && (
        <button type="button" className="bc-question-updates" onClick={() => board.showUpdates()}>
          {waiting === 1 ? '1 update' : `${waiting} updates`} — show
        </button>
      )}
      {questions.length === 0 ? (
        <p className="bc-question-empty">No questions yet. Ask the first one.</p>
      ) : (
        <ol className="bc-question-list" aria-label="Questions, most voted first">
          {questions.map((question) => (
            <QuestionItem key={question.id} question={question} board={board} owner={owner} />
          ))}
        </ol>
      )}
    </section>
  )
}

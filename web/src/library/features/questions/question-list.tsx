import { type FocusEvent, type MouseEvent, useEffect, useRef, useState } from 'react'
import { useStore } from '../../react/use-store.ts'
import type { QuestionBoard } from './question-board.ts'
import { QuestionItem } from './question-item.tsx'
import { ReviewBar } from './review-bar.tsx'

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
  const section = useRef<HTMLElement>(null)
  // Owners tick waiting questions to review several at once; only those still waiting count.
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set())
  const waitingApproval = owner ? questions.filter((question) => question.review === 'pending') : []
  const selected = waitingApproval.filter((question) => ticked.has(question.id)).map(({ id }) => id)
  const tick = (id: string, on: boolean) => {
    const next = new Set(ticked)
    if (on) next.add(id)
    else next.delete(id)
    setTicked(next)
  }

  // A focused button that went away (Withdraw, Answering now) takes focus to the page without a
  // blur: the board is no longer held by focus then.
  useEffect(() => {
    if (focus && !section.current?.contains(document.activeElement)) setFocus(false)
  })
  useEffect(() => {
    board.hold(held)
  }, [board, held])
  // Gone from the page (another tab, another room): nothing holds the order any more.
  useEffect(() => () => board.hold(false), [board])

  function show(event: MouseEvent<HTMLButtonElement>) {
    board.showUpdates()
    // The button goes with the updates. From the keyboard (no click count), focus stays on the
    // board rather than falling to the page; a pointer is still over it anyway.
    if (event.detail === 0) section.current?.focus()
  }

  function blur(event: FocusEvent<HTMLElement>) {
    // Focus moving between the list's own buttons is no leaving.
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFocus(false)
  }

  return (
    <section
      ref={section}
      tabIndex={-1}
      className="bc-question-board"
      aria-label="Question board"
      onPointerEnter={() => setPointer(true)}
      onPointerLeave={() => setPointer(false)}
      onFocus={() => setFocus(true)}
      onBlur={blur}
    >
      {waiting > 0 && (
        <button type="button" className="bc-question-updates" onClick={show}>
          {waiting === 1 ? '1 update' : `${waiting} updates`} — show
        </button>
      )}
      {waitingApproval.length > 1 && (
        <ReviewBar
          board={board}
          waiting={waitingApproval.length}
          selected={selected}
          onReviewed={() => setTicked(new Set())}
        />
      )}
      {questions.length === 0 ? (
        <p className="bc-question-empty">No questions yet. Ask the first one.</p>
      ) : (
        <ol className="bc-question-list" aria-label="Questions, most voted first">
          {questions.map((question) => (
            <QuestionItem
              key={question.id}
              question={question}
              board={board}
              owner={owner}
              {...(waitingApproval.length > 1 && question.review === 'pending'
                ? {
                    ticked: ticked.has(question.id),
                    onTick: (on: boolean) => tick(question.id, on),
                  }
                : {})}
            />
          ))}
        </ol>
      )}
    </section>
  )
}

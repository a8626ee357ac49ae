import type { StoredQuestion } from '@shared/protocol.ts'
import { useEffect, useRef, useState } from 'react'
import type { Result } from '../../engine/result.ts'
import { questionStart } from './ask-rules.ts'
import { OwnerActions } from './owner-actions.tsx'
import type { QuestionBoard } from './question-board.ts'
import { QuestionEditForm } from './question-edit-form.tsx'

/** What a question's state means to the reader, beside its asker's name. */
function statusOf(question: StoredQuestion): string | undefined {
  if (question.review === 'pending') return 'Waiting for approval'
  if (question.review === 'rejected') return 'Rejected'
  if (question.state === 'answering') return 'Being answered now'
  if (question.state === 'answered') return 'Answered'
  return undefined
}

/**
 * One question of the board: its upvote button (pressed: this reader's vote; disabled on their
 * own question and on answered ones) with the count, its asker (or "Anonymous") and state, its
 * text and written answer; Edit and Withdraw for its asker, the owners' actions for owners. Why
 * an action was refused shows under it, in the function's words.
 */
export function QuestionItem({
  question,
  board,
  owner,
  ticked,
  onTick,
}: {
  question: StoredQuestion
  board: QuestionBoard
  owner: boolean
  /** Owners reviewing several at once: whether this waiting question is ticked. */
  ticked?: boolean
  onTick?: (on: boolean) => void
}) {
  const [error, setError] = useState<string>()
  const [editing, setEditing] = useState(false)
  const item = useRef<HTMLLIElement>(null)
  const [refocus, setRefocus] = useState(0)
  const keepFocus = () => setRefocus((count) => count + 1)
  // The control just used may have gone with what it did (Answering now, Save, Cancel): focus
  // stays on this question, on its first control, instead of falling to the page.
  useEffect(() => {
    if (refocus === 0) return
    const active = document.activeElement
    if (active && active !== document.body) return
    item.current?.querySelector<HTMLElement>('button:enabled, textarea')?.focus()
  }, [refocus])
  const start = questionStart(question.body)
  const status = statusOf(question)

  /** Runs an action; its refusal shows under the question. */
  async function act(action: () => Promise<Result>, failed: string): Promise<boolean> {
    setError(undefined)
    const result = await action()
    if (!result.ok) setError(`${failed}: ${result.error}`)
    keepFocus()
    return result.ok
  }

  return (
    <li
      ref={item}
      className="bc-question"
      data-state={question.state}
      data-review={question.review}
      aria-current={question.state === 'answering' ? 'true' : undefined}
    >
      {onTick && (
        <input
          type="checkbox"
          className="bc-question-tick"
          aria-label={`Select: ${start}`}
          checked={ticked === true}
          onChange={(event) => onTick(event.target.checked)}
        />
      )}
      <div className="bc-question-vote">
        <button
          type="button"
          className="bc-question-upvote"
          aria-pressed={question.myVote}
          aria-label={`Upvote: ${start}`}
          disabled={!board.canVote(question)}
          title={question.mine ? 'Your question' : undefined}
          onClick={() =>
            void act(() => board.vote(question.id, !question.myVote), 'Could not vote')
          }
        >
          <span aria-hidden="true">▲</span>
        </button>
        <span className="bc-question-votes">
          {question.votes}
          <span className="bc-visually-hidden"> {question.votes === 1 ? 'vote' : 'votes'}</span>
        </span>
      </div>
      <div className="bc-question-main">
        <p className="bc-question-meta">
          <span className="bc-question-asker">
            {question.mine ? 'You' : (question.askerName ?? 'Anonymous')}
            {question.mine && question.anonymous && ' (anonymously)'}
          </span>
          {status && <span className="bc-question-status">{status}</span>}
        </p>
        {editing ? (
          <QuestionEditForm
            body={question.body}
            onSave={async (body) => {
              const saved = await act(() => board.edit(question.id, body), 'Could not edit')
              if (!saved) return
              setEditing(false)
              keepFocus()
            }}
            onCancel={() => {
              setEditing(false)
              keepFocus()
            }}
          />
        ) : (
          <p className="bc-question-body">{question.body}</p>
        )}
        {question.answer && (
          <p className="bc-question-answer">
            <span className="bc-question-answer-label">Answer:</span> {question.answer}
          </p>
        )}
        <div className="bc-question-actions">
          {question.mine && !editing && board.canEdit(question) && (
            <button
              type="button"
              aria-label={`Edit: ${start}`}
              onClick={() => {
                setError(undefined)
                setEditing(true)
              }}
            >
              Edit
            </button>
          )}
          {question.mine && (
            <button
              type="button"
              aria-label={`Withdraw: ${start}`}
              onClick={() => void act(() => board.withdraw(question.id), 'Could not withdraw')}
            >
              Withdraw
            </button>
          )}
          {owner && (
            <OwnerActions
              question={question}
              start={start}
              board={board}
              act={act}
              keepFocus={keepFocus}
            />
          )}
        </div>
        {error && (
          <p role="alert" className="bc-error">
            {error}
          </p>
        )}
      </div>
    </li>
  )
}

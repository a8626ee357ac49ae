import { type FormEvent, type KeyboardEvent, useId, useState } from 'react'
import type { QuestionBoard } from './question-board.ts'

/**
 * Asking a question: its text (Enter asks, Shift+Enter starts a new line), "Ask anonymously" when
 * the room allows it, and why a question was refused, in the function's words. What was typed
 * stays until the question is stored.
 */
export function AskForm({
  board,
  anonymousAllowed,
  needApproval,
}: {
  board: QuestionBoard
  anonymousAllowed: boolean
  /** Questions wait for an owner's approval before others see them. */
  needApproval: boolean
}) {
  const [body, setBody] = useState('')
  const [anonymous, setAnonymous] = useState(false)
  const [error, setError] = useState<string>()
  const [asking, setAsking] = useState(false)
  const id = useId()

  async function ask(event?: FormEvent) {
    event?.preventDefault()
    if (asking) return
    if (body.trim() === '') {
      setError('Write your question, then ask.')
      return
    }
    setAsking(true)
    setError(undefined)
    const result = await board.ask(body, anonymousAllowed && anonymous)
    setAsking(false)
    if (!result.ok) {
      setError(result.error)
      return
    }
    setBody('')
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void ask()
    }
  }

  return (
    <form className="bc-ask" aria-labelledby={`${id}-label`} onSubmit={(event) => void ask(event)}>
      <label id={`${id}-label`} htmlFor={`${id}-body`} className="bc-ask-label">
        Ask a question
      </label>
      <textarea
        id={`${id}-body`}
        className="bc-ask-body"
        rows={2}
        value={body}
        aria-describedby={needApproval ? `${id}-note` : undefined}
        onChange={(event) => setBody(event.target.value)}
        onKeyDown={keyDown}
      />
      {needApproval && (
        <p id={`${id}-note`} className="bc-ask-note">
          A host approves questions before others see them.
        </p>
      )}
      <div className="bc-ask-actions">
        {anonymousAllowed && (
          <label className="bc-ask-anonymous">
            <input
              type="checkbox"
              checked={anonymous}
              onChange={(event) => setAnonymous(event.target.checked)}
            />
            Ask anonymously
          </label>
        )}
        <button type="submit" className="bc-ask-submit" disabled={asking}>
          Ask
        </button>
      </div>
      {error && (
        <p role="alert" className="bc-error">
          {error}
        </p>
      )}
    </form>
  )
}

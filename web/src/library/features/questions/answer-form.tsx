import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react'

/** The optional written answer, then "Save answer" (or Enter) or Cancel (or Escape). */
export function AnswerForm({
  onSave,
  onCancel,
}: {
  onSave: (answer: string) => Promise<void>
  onCancel: () => void
}) {
  const [answer, setAnswer] = useState('')
  const field = useRef<HTMLTextAreaElement>(null)
  const id = useId()
  useEffect(() => field.current?.focus(), [])

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Escape') {
      event.preventDefault()
      onCancel()
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void onSave(answer.trim())
    }
  }

  return (
    <div className="bc-question-answer-form">
      <label htmlFor={id}>Written answer (optional)</label>
      <textarea
        id={id}
        ref={field}
        rows={2}
        value={answer}
        onChange={(event) => setAnswer(event.target.value)}
        onKeyDown={keyDown}
      />
      <div className="bc-question-actions">
        <button type="button" onClick={() => void onSave(answer.trim())}>
          Save answer
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  )
}

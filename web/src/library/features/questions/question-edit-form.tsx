import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react'

/**
 * The asker's new text for their question, in place of it: Save (or Enter) and Cancel (or
 * Escape). Focus starts in the text.
 */
export function QuestionEditForm({
  body,
  onSave,
  onCancel,
}: {
  body: string
  onSave: (body: string) => Promise<void>
  onCancel: () => void
}) {
  const [text, setText] = useState(body)
  const field = useRef<HTMLTextAreaElement>(null)
  const id = useId()
  useEffect(() => field.current?.focus(), [])

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Escape') {
      event.preventDefault()
      onCancel()
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void onSave(text)
    }
  }

  return (
    <div className="bc-question-edit">
      <label htmlFor={id} className="bc-visually-hidden">
        Edit your question
      </label>
      <textarea
        id={id}
        ref={field}
        rows={2}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={keyDown}
      />
      <div className="bc-question-actions">
        <button type="button" onClick={() => void onSave(text)}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  )
}

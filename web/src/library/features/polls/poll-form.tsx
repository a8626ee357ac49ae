import { MAX_POLL_OPTIONS, MAX_POLL_QUESTION_CHARS, MIN_POLL_OPTIONS } from '@shared/protocol.ts'
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react'
import type { Result } from '../../engine/result.ts'

/**
 * Starting a poll, above the composer: the question, 2 to 10 options (Add option, Remove), Start
 * poll and Cancel. Enter in a field starts it, Escape cancels. Why a poll is refused shows in it,
 * and what was typed stays. A dialog, not a form: it sits inside the composer's form, and forms
 * do not nest.
 */
export function PollForm({
  onStart,
  onDone,
}: {
  onStart: (question: string, options: readonly string[]) => Result<{ id: string }>
  /** Started (`true`) or cancelled: the form goes, focus goes back to what opened it. */
  onDone: (started: boolean) => void
}) {
  const [question, setQuestion] = useState('')
  const [options, setOptions] = useState(['', ''])
  const [error, setError] = useState<string>()
  const id = useId()
  const questionField = useRef<HTMLInputElement>(null)
  const list = useRef<HTMLOListElement>(null)
  const focusOption = useRef<number>(undefined)

  useEffect(() => questionField.current?.focus(), [])
  useEffect(() => {
    if (focusOption.current === undefined) return
    list.current?.querySelectorAll('input')[focusOption.current]?.focus()
    focusOption.current = undefined
  })

  function start() {
    if (question.trim() === '') {
      setError('Write the question of the poll.')
      questionField.current?.focus()
      return
    }
    const filled = options.filter((option) => option.trim() !== '')
    const result = onStart(question.trim(), filled)
    if (!result.ok) {
      setError(result.error)
      return
    }
    onDone(true)
  }

  function addOption() {
    focusOption.current = options.length
    setOptions([...options, ''])
  }

  function removeOption(index: number) {
    focusOption.current = Math.max(0, index - 1)
    setOptions(options.filter((_, at) => at !== index))
  }

  function keyDown(event: KeyboardEvent<HTMLDialogElement>) {
    // Enter in a field would send the composer's message: here it starts the poll.
    if (event.key === 'Enter' && (event.target as HTMLElement).tagName === 'INPUT') {
      event.preventDefault()
      start()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      onDone(false)
    }
  }

  return (
    <dialog open className="bc-poll-form" aria-labelledby={`${id}-title`} onKeyDown={keyDown}>
      <h2 id={`${id}-title`} className="bc-poll-form-title">
        New poll
      </h2>
      <label htmlFor={`${id}-question`}>Question</label>
      <input
        ref={questionField}
        id={`${id}-question`}
        value={question}
        maxLength={MAX_POLL_QUESTION_CHARS}
        onChange={(event) => setQuestion(event.target.value)}
      />
      <ol ref={list} className="bc-poll-form-options">
        {options.map((option, index) => (
          // The options' order is their identity while the form is open.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above.
          <li key={index}>
            <input
              aria-label={`Option ${index + 1}`}
              value={option}
              maxLength={100}
              onChange={(event) =>
                setOptions(options.map((old, at) => (at === index ? event.target.value : old)))
              }
            />
            {options.length > MIN_POLL_OPTIONS && (
              <button
                type="button"
                className="bc-poll-form-remove"
                aria-label={`Remove option ${index + 1}`}
                onClick={() => removeOption(index)}
              >
                <span aria-hidden="true">×</span>
              </button>
            )}
          </li>
        ))}
      </ol>
      {options.length < MAX_POLL_OPTIONS && (
        <button type="button" onClick={addOption}>
          Add option
        </button>
      )}
      {error && (
        <p role="alert" className="bc-error">
          {error}
        </p>
      )}
      <div className="bc-poll-form-actions">
        <button type="button" onClick={start}>
          Start poll
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </dialog>
  )
}

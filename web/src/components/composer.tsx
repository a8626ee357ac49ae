import { type FormEvent, type KeyboardEvent, useId, useState } from 'react'

/** The message field: Enter sends, Shift+Enter adds a line. */
export function Composer({
  onSend,
  onInput,
}: {
  onSend: (text: string) => { ok: true } | { ok: false; error: string }
  onInput: (text: string) => void
}) {
  const [text, setText] = useState('')
  const [error, setError] = useState<string>()
  const errorId = useId()

  function send(event?: FormEvent) {
    event?.preventDefault()
    if (text.trim() === '') return
    const result = onSend(text)
    if (result.ok) {
      setText('')
      setError(undefined)
    } else setError(result.error)
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      send()
    }
  }

  return (
    <form className="composer" onSubmit={send}>
      <label htmlFor={`${errorId}-message`} className="visually-hidden">
        Message
      </label>
      <textarea
        id={`${errorId}-message`}
        value={text}
        rows={2}
        placeholder="Message"
        aria-describedby={error ? errorId : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(event) => {
          setText(event.target.value)
          onInput(event.target.value)
        }}
        onKeyDown={keyDown}
      />
      <button type="submit">Send</button>
      {error && (
        <p id={errorId} role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  )
}

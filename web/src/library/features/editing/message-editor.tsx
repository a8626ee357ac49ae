import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react'
import type { Result } from '../../engine/result.ts'

/**
 * A message's text as a field to change: Enter (or Save) saves, Shift+Enter adds a line, Escape
 * (or Cancel) leaves the text as it was. The draft lives with the caller, so it survives the list
 * re-rendering the row.
 */
export function MessageEditor({
  text,
  started,
  original,
  onChange,
  onSave,
  onCancel,
  takeFocus,
}: {
  text: string
  /** Changes each time editing is started, even on this same message: the editor takes focus. */
  started: number
  /** The message's current text: saving it unchanged only closes the editor. */
  original: string
  onChange: (text: string) => void
  onSave: (text: string) => Promise<Result>
  onCancel: () => void
  /** Whether this mount should take focus (only the first one after editing starts). */
  takeFocus: () => boolean
}) {
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string>()
  const id = useId()
  const form = useRef<HTMLFormElement>(null)
  const field = useRef<HTMLTextAreaElement>(null)

  // biome-ignore lint/correctness/useExhaustiveDependencies: each start of editing asks for focus.
  useEffect(() => {
    const element = field.current
    if (!element || !takeFocus()) return
    element.focus()
    element.setSelectionRange(element.value.length, element.value.length)
    // The whole editor, buttons included, not only the field the focus scrolled to.
    form.current?.scrollIntoView({ block: 'nearest' })
  }, [started, takeFocus])

  async function save(event?: FormEvent) {
    event?.preventDefault()
    if (saving) return
    if (text === original) {
      onCancel()
      return
    }
    setSaving(true)
    setError(undefined)
    const result = await onSave(text)
    // On success the editor is gone by now; only a failure has anything left to show.
    if (!result.ok) {
      setSaving(false)
      setError(result.error)
    }
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void save()
    } else if (event.key === 'Escape') {
      // Escape belongs to this editor here, not to whatever surrounds the chat.
      event.preventDefault()
      event.stopPropagation()
      onCancel()
    }
  }

  return (
    <form ref={form} className="bc-message-editor" onSubmit={save}>
      <label htmlFor={`${id}-field`} className="bc-visually-hidden">
        Edit message
      </label>
      <textarea
        ref={field}
        id={`${id}-field`}
        value={text}
        rows={Math.min(8, Math.max(2, text.split('\n').length))}
        aria-describedby={error ? `${id}-error` : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={keyDown}
      />
      <div className="bc-message-editor-actions">
        <button type="submit" disabled={saving}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <span className="bc-message-editor-hint" aria-hidden="true">
          Enter to save, Esc to cancel
        </span>
      </div>
      {error && (
        <p id={`${id}-error`} role="alert" className="bc-error">
          {error}
        </p>
      )}
    </form>
  )
}

import { MAX_REPORT_REASON_CHARS } from '@shared/protocol.ts'
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import type { Result } from '../../engine/result.ts'

/**
 * Asks why a message is reported, under the message: a reason field (focused), Send report and
 * Cancel. Esc cancels. The room's owners and ops see the reason; the sender never does.
 */
export function ReportForm({
  onReport,
  onDone,
}: {
  onReport: (reason: string) => Promise<Result>
  /** The form is done with: sent (`true`) or cancelled. */
  onDone: (sent: boolean) => void
}) {
  const [reason, setReason] = useState('')
  const [sending, setSending] = useState(false)
  const [error, setError] = useState<string>()
  const id = useId()
  const field = useRef<HTMLInputElement>(null)

  useEffect(() => field.current?.focus(), [])

  async function send(event: FormEvent) {
    event.preventDefault()
    if (reason.trim() === '') {
      setError('Say why you report this message.')
      return
    }
    setSending(true)
    setError(undefined)
    const result = await onReport(reason)
    setSending(false)
    if (result.ok) onDone(true)
    else setError(`Could not report the message: ${result.error}`)
  }

  return (
    <form
      className="bc-message-report"
      aria-label="Report this message"
      onSubmit={send}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return
        event.stopPropagation()
        onDone(false)
      }}
    >
      <label htmlFor={`${id}-reason`}>Why are you reporting this message?</label>
      <input
        ref={field}
        id={`${id}-reason`}
        value={reason}
        maxLength={MAX_REPORT_REASON_CHARS}
        placeholder="e.g. spam, harassment"
        aria-describedby={error ? `${id}-error` : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setReason(event.target.value)}
      />
      <div className="bc-message-report-actions">
        <button type="submit" disabled={sending}>
          Send report
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
      {error && (
        <p id={`${id}-error`} role="alert" className="bc-error">
          {error}
        </p>
      )}
    </form>
  )
}

import type { RoomSettings, SendRule } from '@shared/protocol.ts'
import { type FormEvent, useId, useState } from 'react'
import type { Result } from '../../engine/result.ts'
import { useStore } from '../../react/use-store.ts'
import type { RoomRules } from './room-rules.ts'

const SEND_CHOICES: { value: SendRule; label: string }[] = [
  { value: 'everyone', label: 'Everyone' },
  { value: 'owners', label: 'Owners only' },
  { value: 'nobody', label: 'No one' },
]

/** Slow mode's choices; the function takes any whole number of seconds up to an hour. */
const SLOW_MODE_CHOICES: { seconds: number; label: string }[] = [
  { seconds: 0, label: 'Off' },
  { seconds: 5, label: '5 seconds' },
  { seconds: 10, label: '10 seconds' },
  { seconds: 30, label: '30 seconds' },
  { seconds: 60, label: '1 minute' },
  { seconds: 300, label: '5 minutes' },
  { seconds: 900, label: '15 minutes' },
  { seconds: 3600, label: '1 hour' },
]

/**
 * The room's chat controls, for its owners: who may send, slow mode, and whether private messages
 * are allowed. Saved for everyone at once (everyone's composer follows).
 */
export function ChatSettings({
  rules,
  onSave,
}: {
  rules: RoomRules
  onSave: (settings: RoomSettings) => Promise<Result>
}) {
  const { settings } = useStore(rules)
  const id = useId()
  // The form edits a draft; until the owner changes something, it shows the room's settings.
  const [draft, setDraft] = useState<RoomSettings>()
  const [status, setStatus] = useState<{ saving?: boolean; said?: string; error?: string }>({})
  const shown = draft ?? settings
  const slowChoices = SLOW_MODE_CHOICES.some((choice) => choice.seconds === shown.slowModeSeconds)
    ? SLOW_MODE_CHOICES
    : [
        ...SLOW_MODE_CHOICES,
        { seconds: shown.slowModeSeconds, label: `${shown.slowModeSeconds} seconds` },
      ]

  const change = (next: Partial<RoomSettings>) => {
    setDraft({ ...shown, ...next })
    setStatus({})
  }

  async function save(event: FormEvent) {
    event.preventDefault()
    setStatus({ saving: true })
    const result = await onSave(shown)
    if (result.ok) {
      setDraft(undefined)
      setStatus({ said: 'Saved. Everyone in the room now follows these settings.' })
    } else setStatus({ error: `Could not save the settings: ${result.error}` })
  }

  return (
    <details className="bc-chat-settings">
      <summary>Chat settings</summary>
      <form aria-label="Chat settings" onSubmit={save}>
        <fieldset>
          <legend>Who can send messages</legend>
          {SEND_CHOICES.map((choice) => (
            <label key={choice.value}>
              <input
                type="radio"
                name={`${id}-send`}
                value={choice.value}
                checked={shown.send === choice.value}
                onChange={() => change({ send: choice.value })}
              />{' '}
              {choice.label}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-slow`}>Slow mode</label>
        <select
          id={`${id}-slow`}
          value={shown.slowModeSeconds}
          onChange={(event) => change({ slowModeSeconds: Number(event.target.value) })}
        >
          {slowChoices.map((choice) => (
            <option key={choice.seconds} value={choice.seconds}>
              {choice.label}
            </option>
          ))}
        </select>
        <label>
          <input
            type="checkbox"
            checked={shown.privateMessages}
            onChange={(event) => change({ privateMessages: event.target.checked })}
          />{' '}
          Allow private messages
        </label>
        <button type="submit" disabled={status.saving || draft === undefined}>
          Save settings
        </button>
        <p role="status" className="bc-chat-settings-status">
          {status.said}
        </p>
        {status.error && (
          <p role="alert" className="bc-error">
            {status.error}
          </p>
        )}
      </form>
    </details>
  )
}

import {
  DEFAULT_ROOM_SETTINGS,
  type RoomRetention,
  type RoomSettings,
  type SendRule,
} from '@shared/protocol.ts'
import { type FormEvent, useId, useState } from 'react'
import type { Result } from '../../engine/result.ts'
import { useStore } from '../../react/use-store.ts'
import type { RoomRules } from './room-rules.ts'

const SEND_CHOICES: { value: SendRule; label: string }[] = [
  { value: 'everyone', label: 'Everyone' },
  { value: 'owners', label: 'Owners only' },
  { value: 'nobody', label: 'No one' },
]

type QuestionSettings = NonNullable<RoomSettings['questions']>

/**
 * Who may ask and vote on questions. A select, not radios: two of its choices ("Everyone", "No
 * one") share their names with who may send, and radios named alike in one form are easily
 * mistaken for each other outside their group (a screen reader's list of form controls).
 */
const ASK_CHOICES: { value: QuestionSettings['who']; label: string }[] = [
  { value: 'chat', label: 'As for chat messages' },
  { value: 'everyone', label: 'Everyone' },
  { value: 'owners', label: 'Only owners' },
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

/** The Q&A rules of a room nobody changed (the type leaves them optional: a PUT may omit them). */
const DEFAULT_QUESTIONS: QuestionSettings = DEFAULT_ROOM_SETTINGS.questions ?? {
  who: 'chat',
  anonymous: false,
  needApproval: false,
}

/** What a retention kind starts with when an owner picks it. */
const RETENTION_STARTS: Record<RoomRetention['kind'], RoomRetention> = {
  default: { kind: 'default' },
  days: { kind: 'days', days: 30 },
  call: { kind: 'call', graceMinutes: 15 },
}

/**
 * The room's chat controls, for its owners: who may send, slow mode, whether private messages
 * are allowed, how long the chat is kept, and the Q&A rules (who may ask, anonymous questions,
 * approval). Saved for everyone at once (everyone's composer
 * and retention notice follow).
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

  const retention = shown.retention ?? RETENTION_STARTS.default
  const defaultLabel =
    shown.defaultRetentionDays === undefined
      ? "The project's default"
      : `The project's default (${shown.defaultRetentionDays} days)`

  // A function that does not answer them yet reads as the defaults (the PUT then sets them).
  const questions = shown.questions ?? DEFAULT_QUESTIONS

  const change = (next: Partial<RoomSettings>) => {
    setDraft({ ...shown, ...next })
    setStatus({})
  }
  const changeQuestions = (next: Partial<QuestionSettings>) =>
    change({ questions: { ...questions, ...next } })

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
        <label>
          <input
            type="checkbox"
            checked={shown.messagesNeedApproval === true}
            onChange={(event) => change({ messagesNeedApproval: event.target.checked })}
          />{' '}
          Messages need approval (members' messages wait for an owner)
        </label>
        <fieldset className="bc-chat-settings-retention">
          <legend>Keep the chat</legend>
          <label>
            <input
              type="radio"
              name={`${id}-retention`}
              checked={retention.kind === 'default'}
              onChange={() => change({ retention: RETENTION_STARTS.default })}
            />{' '}
            {defaultLabel}
          </label>
          <label>
            <input
              type="radio"
              name={`${id}-retention`}
              checked={retention.kind === 'days'}
              onChange={() => change({ retention: RETENTION_STARTS.days })}
            />{' '}
            For a number of days
          </label>
          {retention.kind === 'days' && (
            <label>
              Days to keep it{' '}
              <input
                type="number"
                required
                min={1}
                max={3650}
                step={1}
                value={Number.isNaN(retention.days) ? '' : retention.days}
                onChange={(event) =>
                  change({ retention: { kind: 'days', days: event.target.valueAsNumber } })
                }
              />
            </label>
          )}
          <label>
            <input
              type="radio"
              name={`${id}-retention`}
              checked={retention.kind === 'call'}
              onChange={() => change({ retention: RETENTION_STARTS.call })}
            />{' '}
            Until the call ends
          </label>
          {retention.kind === 'call' && (
            <label>
              Minutes to keep it after the call ends{' '}
              <input
                type="number"
                required
                min={0}
                max={10080}
                step={1}
                value={Number.isNaN(retention.graceMinutes) ? '' : retention.graceMinutes}
                onChange={(event) =>
                  change({
                    retention: { kind: 'call', graceMinutes: event.target.valueAsNumber },
                  })
                }
              />
            </label>
          )}
        </fieldset>
        <fieldset className="bc-chat-settings-questions">
          <legend>Questions</legend>
          <label htmlFor={`${id}-ask`}>Who can ask questions</label>
          <select
            id={`${id}-ask`}
            value={questions.who}
            onChange={(event) =>
              changeQuestions({ who: event.target.value as QuestionSettings['who'] })
            }
          >
            {ASK_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
          <label>
            <input
              type="checkbox"
              checked={questions.anonymous}
              onChange={(event) => changeQuestions({ anonymous: event.target.checked })}
            />{' '}
            Allow anonymous questions
          </label>
          <label>
            <input
              type="checkbox"
              checked={questions.needApproval}
              onChange={(event) => changeQuestions({ needApproval: event.target.checked })}
            />{' '}
            Questions need approval
          </label>
        </fieldset>
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

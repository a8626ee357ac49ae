import { useId } from 'react'

/** Someone a private message can go to: in the call now. */
export interface Recipient {
  id: string
  name: string
  /** As the participant list names them ("Ana (2)"). */
  label: string
}

/**
 * The composer's "Send to" choice: Everyone, or one person in the call (a private message). While
 * a reply to a private message is written, it shows that conversation's other person, fixed.
 */
export function SendTo({
  recipients,
  value,
  onChange,
  fixed,
}: {
  recipients: readonly Recipient[]
  /** The chosen person's user id; '' for everyone. */
  value: string
  onChange: (id: string) => void
  /** A reply to a private message goes to this person, whatever is chosen. */
  fixed?: { id: string; name: string }
}) {
  const id = useId()
  return (
    <div className="bc-send-to">
      <label htmlFor={id}>Send to</label>
      <select
        id={id}
        value={fixed ? fixed.id : value}
        disabled={fixed !== undefined}
        onChange={(event) => onChange(event.target.value)}
      >
        {fixed ? (
          <option value={fixed.id}>{fixed.name} (private reply)</option>
        ) : (
          <>
            <option value="">Everyone</option>
            {recipients.map((person) => (
              <option key={person.id} value={person.id}>
                {person.label} (private)
              </option>
            ))}
          </>
        )}
      </select>
    </div>
  )
}

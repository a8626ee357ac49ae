import { useId } from 'react'
import type { Participant } from '../transport/chat-transport.ts'

/** Who is in the room, with a live count; the same person in two tabs shows once. */
export function ParticipantList({ participants }: { participants: readonly Participant[] }) {
  const headingId = useId()
  const people = new Map<string, Participant>()
  for (const participant of participants) {
    if (!people.has(participant.userId) || participant.local)
      people.set(participant.userId, participant)
  }
  return (
    <section className="participants" aria-labelledby={headingId}>
      <h2 id={headingId} aria-live="polite">
        Participants ({people.size})
      </h2>
      <ul aria-label="Participants">
        {[...people.values()].map((participant) => (
          <li key={participant.userId}>
            {participant.userName}
            {participant.local && ' (you)'}
          </li>
        ))}
      </ul>
    </section>
  )
}

import { useId } from 'react'
import type { ChatParticipant } from '../engine/chat-client.ts'

/**
 * Who is in the room, with a live count; the same person in two tabs shows once, and two people
 * of one name are told apart by their labels ("Ana", "Ana (2)").
 */
export function ParticipantList({ participants }: { participants: readonly ChatParticipant[] }) {
  const headingId = useId()
  const people = new Map<string, ChatParticipant>()
  for (const participant of participants) {
    if (!people.has(participant.userId) || participant.local)
      people.set(participant.userId, participant)
  }
  return (
    <section className="bc-participants" aria-labelledby={headingId}>
      <h2 id={headingId} aria-live="polite">
        Participants ({people.size})
      </h2>
      <ul aria-label="Participants">
        {[...people.values()].map((participant) => (
          <li key={participant.userId}>
            {participant.label}
            {participant.local && ' (you)'}
          </li>
        ))}
      </ul>
    </section>
  )
}

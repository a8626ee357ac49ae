import type { ExtendedDailyParticipant } from '@daily-co/daily-react'
import { useParticipantIds } from '@daily-co/daily-react'
import { ParticipantTile } from './participant-tile.tsx'

// Module level: daily-react recomputes the id list whenever the sort function changes identity.
function localFirst(a: ExtendedDailyParticipant, b: ExtendedDailyParticipant): 1 | -1 | 0 {
  if (a.local === b.local) return 0
  return a.local ? -1 : 1
}

/** Everyone in the call, this session first. */
export function ParticipantGrid() {
  const sessionIds = useParticipantIds({ sort: localFirst })
  return (
    <ul className="demo-daily-tiles-grid" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {sessionIds.map((sessionId) => (
        <li key={sessionId}>
          <ParticipantTile sessionId={sessionId} />
        </li>
      ))}
    </ul>
  )
}

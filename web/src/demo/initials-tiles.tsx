import { memo, useEffect, useReducer } from 'react'
import type { ChatTransport } from '../library/engine/live-channel.ts'

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => [...word][0]?.toUpperCase())
    .join('')

/** What shows the people in a call: the call's live channel, and leaving it. */
export type TilesProps = { transport: ChatTransport; onLeave: () => void }

/**
 * The local mode's stand-in for video: a tile with each person's initials. Memoized: it follows
 * the transport's own events, not the chat's snapshot, which changes with every message.
 */
export const InitialsTiles = memo(function InitialsTiles({ transport, onLeave }: TilesProps) {
  const [, refresh] = useReducer((n: number) => n + 1, 0)
  useEffect(() => {
    const off = [
      transport.on('participant-joined', refresh),
      transport.on('participant-left', refresh),
      transport.on('connection', refresh),
    ]
    return () => {
      for (const unsubscribe of off) unsubscribe()
    }
  }, [transport])

  return (
    <section className="demo-tiles" aria-label="Call">
      <ul className="demo-tile-grid">
        {transport.participants().map((participant) => (
          <li key={participant.sessionId} className="demo-tile">
            <span className="demo-tile-initials" aria-hidden="true">
              {initials(participant.userName)}
            </span>
            <span className="demo-tile-name">
              {participant.userName}
              {participant.local && ' (you)'}
            </span>
          </li>
        ))}
      </ul>
      <div className="demo-call-controls">
        <button type="button" onClick={onLeave}>
          Leave
        </button>
      </div>
    </section>
  )
})

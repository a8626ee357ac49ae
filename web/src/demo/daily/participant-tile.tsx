import { DailyVideo, useParticipantProperty, useVideoTrack } from '@daily-co/daily-react'

/** One person: their camera, or a blank frame while it is off, with their name under it. */
export function ParticipantTile({ sessionId }: { sessionId: string }) {
  const [userName, local] = useParticipantProperty(sessionId, ['user_name', 'local'])
  const cameraOff = useVideoTrack(sessionId).isOff
  const name = userName || 'Guest'
  return (
    <figure className="demo-daily-tile" style={{ margin: 0 }}>
      {cameraOff ? (
        <div
          className="demo-daily-tile-off"
          style={{ aspectRatio: '16 / 9', background: '#222' }}
        />
      ) : (
        <DailyVideo
          sessionId={sessionId}
          type="video"
          automirror
          fit="cover"
          style={{ width: '100%', aspectRatio: '16 / 9' }}
        />
      )}
      <figcaption>{local ? `${name} (you)` : name}</figcaption>
    </figure>
  )
}

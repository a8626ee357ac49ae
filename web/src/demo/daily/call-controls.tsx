import { useAudioTrack, useDaily, useLocalSessionId, useVideoTrack } from '@daily-co/daily-react'

/** This session's microphone and camera toggles (pressed = on), and the way out of the call. */
export function CallControls({ onLeave }: { onLeave: () => void }) {
  const daily = useDaily()
  const localSessionId = useLocalSessionId()
  const micOn = !useAudioTrack(localSessionId).isOff
  const cameraOn = !useVideoTrack(localSessionId).isOff
  // daily-js ignores setLocalAudio/setLocalVideo outside a call: no toggles before joining.
  const inCall = Boolean(daily && localSessionId)
  return (
    <fieldset
      aria-label="Call controls"
      className="demo-daily-tiles-controls"
      style={{ border: 0, margin: 0, padding: 0 }}
    >
      <button
        type="button"
        aria-pressed={micOn}
        disabled={!inCall}
        onClick={() => daily?.setLocalAudio(!micOn)}
      >
        Microphone
      </button>
      <button
        type="button"
        aria-pressed={cameraOn}
        disabled={!inCall}
        onClick={() => daily?.setLocalVideo(!cameraOn)}
      >
        Camera
      </button>
      <button type="button" onClick={onLeave}>
        Leave
      </button>
    </fieldset>
  )
}

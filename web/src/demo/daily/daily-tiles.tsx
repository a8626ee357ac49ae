import type { DailyCall } from '@daily-co/daily-js'
import { DailyAudio, DailyProvider } from '@daily-co/daily-react'
import { CallControls } from './call-controls.tsx'
import { ParticipantGrid } from './participant-grid.tsx'

/** The call beside the chat: a tile per person, everyone else's audio, and the call's controls. */
export function DailyTiles({
  callObject,
  onLeave,
}: {
  callObject: DailyCall
  onLeave: () => void
}) {
  return (
    <DailyProvider callObject={callObject}>
      <section aria-label="Call" className="demo-daily-tiles">
        <ParticipantGrid />
        <CallControls onLeave={onLeave} />
      </section>
      {/* One player for all remote audio: it follows the active speakers, remote tracks only. */}
      <DailyAudio />
    </DailyProvider>
  )
}

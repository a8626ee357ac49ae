import { lazy, Suspense, useState } from 'react'
import { JoinScreen } from './join-screen.tsx'
import { type JoinedRoom, loadJoinedRoom, saveJoinedRoom } from './session.ts'

// The call and its chat load once someone joins (or a reload finds them joined): the join screen,
// the first thing most people see, does not wait for them.
const CallView = lazy(() =>
  import('./call-view.tsx').then((module) => ({ default: module.CallView })),
)

const roomInUrl = () => new URLSearchParams(window.location.search).get('room') ?? ''

/** Join screen until a room is joined, then the call. A reload stays in the call. */
export function App() {
  const [joined, setJoined] = useState(() => {
    const saved = loadJoinedRoom()
    const wanted = roomInUrl()
    return saved && (!wanted || wanted === saved.room) ? saved : undefined
  })

  function enter(room: JoinedRoom | undefined) {
    saveJoinedRoom(room)
    if (room) window.history.replaceState(null, '', `?room=${encodeURIComponent(room.room)}`)
    setJoined(room)
  }

  return joined ? (
    <Suspense fallback={<p role="status">Joining {joined.room}…</p>}>
      <CallView key={joined.token} joined={joined} onLeave={() => enter(undefined)} />
    </Suspense>
  ) : (
    <JoinScreen initialRoom={roomInUrl()} onJoined={enter} />
  )
}

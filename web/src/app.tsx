import { useState } from 'react'
import { CallView } from './components/call-view.tsx'
import { JoinScreen } from './components/join-screen.tsx'
import { type JoinedRoom, loadJoinedRoom, saveJoinedRoom } from './session.ts'

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
    <CallView key={joined.token} joined={joined} onLeave={() => enter(undefined)} />
  ) : (
    <JoinScreen initialRoom={roomInUrl()} onJoined={enter} />
  )
}

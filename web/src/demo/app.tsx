import { useEffect, useState } from 'react'
import { JoinScreen } from './join-screen.tsx'
import { type JoinedRoom, loadJoinedRoom, saveJoinedRoom } from './session.ts'

type CallViewModule = typeof import('./call-view.tsx')

const roomInUrl = () => new URLSearchParams(window.location.search).get('room') ?? ''

/**
 * The call and its chat, loaded once someone joins (or a reload finds them joined): the join
 * screen, the first thing most people see, does not wait for them. Loaded with a plain import
 * rather than `lazy` and `<Suspense>`: React holds back content that resolves after a Suspense
 * fallback for at least 300 ms (FALLBACK_THROTTLE_MS), which was most of a reload's time to the
 * room's newest message.
 */
function useCallView(wanted: boolean) {
  const [loaded, setLoaded] = useState<{ module?: CallViewModule; error?: string }>({})
  useEffect(() => {
    if (!wanted || loaded.module) return
    let current = true
    import('./call-view.tsx').then(
      (module) => current && setLoaded({ module }),
      (error: unknown) =>
        current && setLoaded({ error: error instanceof Error ? error.message : String(error) }),
    )
    return () => {
      current = false
    }
  }, [wanted, loaded.module])
  return loaded
}

/** Join screen until a room is joined, then the call. A reload stays in the call. */
export function App() {
  const [joined, setJoined] = useState(() => {
    const saved = loadJoinedRoom()
    const wanted = roomInUrl()
    return saved && (!wanted || wanted === saved.room) ? saved : undefined
  })
  const callView = useCallView(joined !== undefined)

  function enter(room: JoinedRoom | undefined) {
    saveJoinedRoom(room)
    if (room) window.history.replaceState(null, '', `?room=${encodeURIComponent(room.room)}`)
    setJoined(room)
  }

  if (!joined) return <JoinScreen initialRoom={roomInUrl()} onJoined={enter} />
  if (callView.error) {
    return (
      <p role="alert">
        Could not load the call ({callView.error}). Check your connection and reload the page.
      </p>
    )
  }
  if (!callView.module) return <p role="status">Joining {joined.room}…</p>
  const { CallView } = callView.module
  return <CallView key={joined.token} joined={joined} onLeave={() => enter(undefined)} />
}

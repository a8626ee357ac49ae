import { useEffect, useRef, useState } from 'react'
import { useCall } from '../hooks/use-call.ts'
import { useMediaQuery } from '../hooks/use-media-query.ts'
import type { JoinedRoom } from '../session.ts'
import { ChatColumn } from './chat-column.tsx'

/** The call: people on the left, the chat on the right (a panel to open on narrow screens). */
export function CallView({ joined, onLeave }: { joined: JoinedRoom; onLeave: () => void }) {
  const { session, client, api, snapshot, error } = useCall(joined)
  const narrow = useMediaQuery('(max-width: 760px)')
  const [chatOpen, setChatOpen] = useState(false)
  const unread = useUnreadCount(snapshot.messages, !narrow || chatOpen)

  if (error) {
    return (
      <main className="call-error">
        <p role="alert">Could not join the call: {error}</p>
        <button type="button" onClick={onLeave}>
          Back
        </button>
      </main>
    )
  }
  if (!session || !client || !api) return <p className="loading">Joining {joined.room}…</p>

  const showChat = !narrow || chatOpen
  return (
    <main className={`call${narrow ? ' narrow' : ''}`}>
      <header className="call-header">
        <h1>{joined.room}</h1>
        {narrow && (
          <button type="button" aria-expanded={chatOpen} onClick={() => setChatOpen(!chatOpen)}>
            Chat{unread > 0 && <span className="badge"> ({unread} unread)</span>}
          </button>
        )}
      </header>
      <session.Tiles transport={session.transport} onLeave={onLeave} />
      {showChat && <ChatColumn client={client} api={api} snapshot={snapshot} />}
    </main>
  )
}

/** Messages from others that arrived while the chat was out of sight. */
function useUnreadCount(messages: readonly { id: string; own: boolean }[], visible: boolean) {
  const seen = useRef(new Set<string>())
  const [unread, setUnread] = useState(0)
  useEffect(() => {
    const fresh = messages.filter((message) => !seen.current.has(message.id))
    for (const message of fresh) seen.current.add(message.id)
    if (visible) setUnread(0)
    else setUnread((count) => count + fresh.filter((message) => !message.own).length)
  }, [messages, visible])
  return unread
}

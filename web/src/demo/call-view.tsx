import { useState } from 'react'
import type { ReadableStore } from '../library/engine/store.ts'
import type { Arrivals } from '../library/features/unread/arrivals.ts'
import { useUnseenCount } from '../library/features/unread/use-unseen-count.ts'
import { ChatPanel } from '../library/react/chat-panel.tsx'
import { useDocumentTitle } from '../library/react/use-document-title.ts'
import type { JoinedRoom } from './session.ts'
import { useCall } from './use-call.ts'
import { useMediaQuery } from './use-media-query.ts'

/** The call: people on the left, the chat on the right (a panel to open on narrow screens). */
export function CallView({ joined, onLeave }: { joined: JoinedRoom; onLeave: () => void }) {
  const { session, chat, error } = useCall(joined)
  const narrow = useMediaQuery('(max-width: 760px)')
  const [chatOpen, setChatOpen] = useState(false)
  const unread = useUnreadCount(chat.client?.arrivals, !narrow || chatOpen)
  // "(3) standup · Backchannel" while the tab is hidden and messages come.
  useDocumentTitle(`${joined.room} · Backchannel`, chat.client?.arrivals)

  if (error) {
    return (
      <main className="demo-call-error">
        <p role="alert">Could not join the call: {error}</p>
        <button type="button" onClick={onLeave}>
          Back
        </button>
      </main>
    )
  }
  if (!session || !chat.client) return <p className="demo-loading">Joining {joined.room}…</p>

  const showChat = !narrow || chatOpen
  return (
    <main className={`demo-call${narrow ? ' demo-narrow' : ''}`}>
      <header className="demo-call-header">
        <h1>{joined.room}</h1>
        {narrow && (
          <button type="button" aria-expanded={chatOpen} onClick={() => setChatOpen(!chatOpen)}>
            Chat{unread > 0 && <span className="demo-badge"> ({unread} unread)</span>}
          </button>
        )}
      </header>
      <session.Tiles transport={session.transport} onLeave={onLeave} />
      {showChat && <ChatPanel chat={chat} />}
    </main>
  )
}

/** New messages (see Arrivals) that came while the chat was out of sight. */
function useUnreadCount(arrivals: ReadableStore<Arrivals> | undefined, visible: boolean) {
  return useUnseenCount(arrivals, visible)
}

import { useEffect, useState, useSyncExternalStore } from 'react'
import { type CallSession, openCallSession } from '../call-session.ts'
import { CHAT_API_URL } from '../config.ts'
import { createChatApi, type RoomApi } from '../core/chat-api.ts'
import { ChatClient, type ChatSnapshot } from '../core/chat-client.ts'
import { isRoomOwner, type JoinedRoom } from '../session.ts'

const idle: ChatSnapshot = {
  messages: [],
  participants: [],
  typingLine: '',
  connection: 'connecting',
  history: { loaded: false, hasOlder: false, loading: true },
}
const SYNC_INTERVAL_MS = 60_000
const noClient = { subscribe: () => () => {}, getSnapshot: () => idle }

/**
 * Opens the call for the joined room while mounted (Daily or the local relay) and runs its chat;
 * renders the chat's state. Leaves the call on unmount.
 */
export function useCall(joined: JoinedRoom) {
  const [call, setCall] = useState<{ session: CallSession; client: ChatClient; api: RoomApi }>()
  const [error, setError] = useState<string>()

  useEffect(() => {
    let client: ChatClient | undefined
    let cancelled = false
    openCallSession(joined)
      .then((session) => {
        if (cancelled) return session.transport.leave()
        const api = createChatApi(CHAT_API_URL).forRoom(joined.room, joined.token)
        client = new ChatClient({
          room: joined.room,
          user: joined.user,
          owner: isRoomOwner(joined.token),
          api,
          transport: session.transport,
          storage: localStorage,
        })
        setCall({ session, client, api })
        return client.start()
      })
      .catch((reason: Error) => {
        if (!cancelled) setError(reason.message)
      })
    return () => {
      cancelled = true
      void client?.dispose()
    }
  }, [joined])

  // Catch up now and then (deletions made in Studio reach open clients), and on coming back to
  // the tab.
  useEffect(() => {
    const client = call?.client
    if (!client) return
    const catchUp = () => {
      if (document.visibilityState === 'visible') void client.sync()
    }
    const timer = setInterval(catchUp, SYNC_INTERVAL_MS)
    document.addEventListener('visibilitychange', catchUp)
    return () => {
      clearInterval(timer)
      document.removeEventListener('visibilitychange', catchUp)
    }
  }, [call?.client])

  const source = call?.client ?? noClient
  const snapshot = useSyncExternalStore(source.subscribe, source.getSnapshot)
  return { session: call?.session, client: call?.client, api: call?.api, snapshot, error }
}

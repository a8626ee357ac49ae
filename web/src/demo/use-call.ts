import { useEffect, useState } from 'react'
import { useChatSession } from '../library/react/use-chat-session.ts'
import { type CallSession, openCallSession } from './call-session.ts'
import { CHAT_API_URL } from './config.ts'
import type { JoinedRoom } from './session.ts'

/**
 * Opens the call for the joined room while mounted (Daily or the local relay) and runs the
 * module's chat over its transport; leaves the call on unmount (the chat never leaves a transport
 * it is given).
 */
export function useCall(joined: JoinedRoom) {
  const [session, setSession] = useState<CallSession>()
  const [error, setError] = useState<string>()

  useEffect(() => {
    let opened: CallSession | undefined
    let cancelled = false
    openCallSession(joined)
      .then((session) => {
        if (cancelled) return session.transport.leave()
        opened = session
        setSession(session)
      })
      .catch((reason: Error) => {
        if (!cancelled) setError(reason.message)
      })
    return () => {
      cancelled = true
      void opened?.transport.leave()
    }
  }, [joined])

  // The module's chat, as any host runs it: the token names the room and the person.
  const chat = useChatSession({
    functionUrl: CHAT_API_URL,
    getToken: () => joined.token,
    transport: session?.transport,
  })
  return { session, chat, error: error ?? chat.error }
}

import { useEffect, useState } from 'react'
import { checkChatHealth } from './chat-api.ts'

type Status = 'checking' | 'online' | 'offline'

/** A minimal page until the call view lands: it shows whether chat can store messages. */
export function App() {
  const [status, setStatus] = useState<Status>('checking')

  useEffect(() => {
    const abort = new AbortController()
    checkChatHealth(abort.signal).then((ok) => setStatus(ok ? 'online' : 'offline'))
    return () => abort.abort()
  }, [])

  return (
    <main>
      <h1>Backchannel</h1>
      <p>Chat beside your video call.</p>
      <p role="status">
        {status === 'checking' && 'Checking the chat service…'}
        {status === 'online' && 'Chat service: online'}
        {status === 'offline' && 'Chat service: offline'}
      </p>
    </main>
  )
}

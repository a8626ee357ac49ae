import { BackchannelChat, createRelayTransport } from 'backchannel-chat'
import { type FormEvent, useState } from 'react'
import { functionUrl, relayUrl, requestToken } from './stack.ts'

const ROOM = new URLSearchParams(window.location.search).get('room') ?? 'planning'
const AGENDA = ['Last week in numbers', 'The spring release', 'Hiring', 'Anything else']

/**
 * A host app of its own (header, agenda, sign-in) with Backchannel's chat beside its content. On
 * Daily it would sit inside the app's <DailyProvider> and need no `transport`: the chat takes the
 * call object from useDaily(). Here the local relay stands in for Daily.
 */
export function HostApp() {
  const [name, setName] = useState('')
  const [signedIn, setSignedIn] = useState<string>()
  // Asked for once, at sign-in: the chat gets the same token however often it starts.
  const [token, setToken] = useState<Promise<string>>()

  function signIn(event: FormEvent) {
    event.preventDefault()
    const person = name.trim()
    if (!person) return
    setSignedIn(person)
    setToken(requestToken(ROOM, person))
  }

  return (
    <div className="host">
      <header className="host-header">
        <h1>Acme Planning</h1>
        <span>{signedIn ? `Signed in as ${signedIn}` : 'Weekly planning'}</span>
      </header>
      <main className="host-main">
        <h2>Agenda</h2>
        <ol>
          {AGENDA.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ol>
        {!signedIn && (
          <form className="host-sign-in" onSubmit={signIn}>
            <label>
              Your name
              <input value={name} onChange={(event) => setName(event.target.value)} required />
            </label>
            <button type="submit">Join the meeting</button>
          </form>
        )}
      </main>
      {token && (
        <BackchannelChat
          className="host-chat"
          functionUrl={functionUrl}
          getToken={() => token}
          transport={(meetingToken) => createRelayTransport({ url: relayUrl, token: meetingToken })}
        />
      )}
    </div>
  )
}

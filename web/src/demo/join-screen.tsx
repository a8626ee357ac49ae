import { roomNameSchema, userNameSchema } from '@shared/protocol.ts'
import { type FormEvent, useId, useState } from 'react'
import { createChatApi } from '../library/engine/chat-api.ts'
import { CHAT_API_URL } from './config.ts'
import type { JoinedRoom } from './session.ts'

const NAME_KEY = 'backchannel.name'

/** Asks for a name and a room, gets a token from the chat function, and hands it on. */
export function JoinScreen({
  initialRoom,
  onJoined,
}: {
  initialRoom: string
  onJoined: (joined: JoinedRoom) => void
}) {
  const [name, setName] = useState(() => localStorage.getItem(NAME_KEY) ?? '')
  const [room, setRoom] = useState(initialRoom)
  const [error, setError] = useState<string>()
  const [joining, setJoining] = useState(false)
  const errorId = useId()

  async function join(event: FormEvent) {
    event.preventDefault()
    const userName = userNameSchema.safeParse(name)
    const roomName = roomNameSchema.safeParse(room.trim())
    if (!userName.success) return setError(userName.error.issues[0]?.message)
    if (!roomName.success) return setError(roomName.error.issues[0]?.message)
    setJoining(true)
    setError(undefined)
    try {
      const joined = await createChatApi(CHAT_API_URL).requestToken(roomName.data, userName.data)
      localStorage.setItem(NAME_KEY, userName.data)
      onJoined({ room: roomName.data, ...joined })
    } catch (reason) {
      setError((reason as Error).message)
      setJoining(false)
    }
  }

  return (
    <main className="demo-join">
      <h1>Backchannel</h1>
      <p>Chat beside your video call.</p>
      <form onSubmit={join} aria-describedby={error ? errorId : undefined}>
        <label>
          Your name
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            autoComplete="nickname"
            maxLength={64}
            required
          />
        </label>
        <label>
          Room
          <input
            value={room}
            onChange={(event) => setRoom(event.target.value)}
            autoComplete="off"
            maxLength={128}
            required
          />
        </label>
        {error && (
          <p id={errorId} role="alert" className="demo-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={joining}>
          {joining ? 'Joining…' : 'Join'}
        </button>
      </form>
    </main>
  )
}

// Someone on a raw relay connection from Node, with a real member's token: sends whatever frames
// it likes, as a hostile client would, where a page would only send what the app sends.
import WebSocket from 'ws'

/** A raw relay connection: sends any live data, as `userId`. */
export interface RawClient {
  userId: string
  token: string
  send(data: unknown): void
  close(): void
}

/** A member's token for `room`, as the join screen gets one from the app at `appUrl`. */
export async function memberToken(appUrl: string, room: string, userName: string) {
  const response = await fetch(`${appUrl}/functions/v1/chat/rooms/${room}/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userName }),
  })
  if (response.status !== 201) throw new Error(`joining ${room}: ${response.status}`)
  const { token, user } = (await response.json()) as { token: string; user: { id: string } }
  return { token, userId: user.id }
}

/** Opens a relay connection to the app at `appUrl` with `token`, once the relay welcomes it. */
export async function connectRaw(
  appUrl: string,
  { token, userId }: { token: string; userId: string },
): Promise<RawClient> {
  const socket = new WebSocket(`${appUrl.replace(/^http/, 'ws')}/relay`)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  const welcomed = new Promise<void>((resolve, reject) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw))
      if (frame.type === 'welcome') resolve()
      if (frame.type === 'error') reject(new Error(`relay refused: ${frame.code}`))
    })
    socket.once('close', (code) => reject(new Error(`relay closed the connection (${code})`)))
  })
  socket.send(JSON.stringify({ type: 'hello', token }))
  await welcomed
  return {
    userId,
    token,
    send: (data) => socket.send(JSON.stringify({ type: 'send', data })),
    close: () => socket.close(),
  }
}

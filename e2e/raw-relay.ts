// Someone on a raw relay connection from Node, with a real member's token: sends whatever frames
// it likes, as a hostile client would, where a page would only send what the app sends.
import WebSocket from 'ws'
import type { TokenResponse } from '../functions/_shared/protocol.ts'

/** A raw relay connection: sends any live data, as `userId`. */
export interface RawClient {
  userId: string
  token: string
  send(data: unknown): void
  close(): void
}

/**
 * Opens a relay connection to the app at `appUrl` with a token (chatFunction's `tokenFor`, or
 * browser.ts's `ownerToken`), once the relay welcomes it.
 */
export async function connectRaw(
  appUrl: string,
  { token, user }: Pick<TokenResponse, 'token' | 'user'>,
): Promise<RawClient> {
  const userId = user.id
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

import type { ChatTransport } from '../engine/live-channel.ts'

const borrowed = new WeakMap<ChatTransport, ChatTransport>()

/**
 * A transport the host owns, as the chat uses it: joined once however often a chat starts on it
 * (React mounts effects twice in development), and never left by the chat, because the host's
 * call goes on after the chat unmounts: the host leaves it. A join that failed is tried again by
 * the next chat.
 */
export function borrowTransport(transport: ChatTransport): ChatTransport {
  const known = borrowed.get(transport)
  if (known) return known
  let joining: Promise<void> | undefined
  const view: ChatTransport = {
    join() {
      joining ??= transport.join().catch((error: unknown) => {
        joining = undefined
        throw error
      })
      return joining
    },
    leave: async () => {},
    send: (data, to) => transport.send(data, to),
    participants: () => transport.participants(),
    on: (event, listener) => transport.on(event, listener),
  }
  borrowed.set(transport, view)
  return view
}

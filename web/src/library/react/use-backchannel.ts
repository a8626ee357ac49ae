import { useDaily } from '@daily-co/daily-react'
import { useLayoutEffect, useMemo, useRef } from 'react'
import type { OutboxStorage } from '../engine/outbox.ts'
import { createDailyTransport } from '../transports/daily-transport.ts'
import { type Backchannel, type TransportSource, useChatSession } from './use-chat-session.ts'

export interface BackchannelOptions {
  /** The chat function, e.g. `https://<project>.supabase.co/functions/v1/chat`. */
  functionUrl: string
  /**
   * Returns a Daily meeting token for the room and the person (claims `r`, `u`, `ud`, and `o` for
   * owners), the one your backend gives the call; the function verifies it. Called once per start.
   */
  getToken: () => string | Promise<string>
  /**
   * Another live channel instead of the host's Daily call: a ChatTransport you own (you leave it),
   * or `(token) => transport` (the chat leaves it on unmount), e.g. `createRelayTransport`.
   */
  transport?: TransportSource
  /** Where unsent messages wait across reloads. Default: localStorage. */
  storage?: OutboxStorage
  /**
   * Daily Prebuilt's chat both ways, for calls where some people use Prebuilt's own UI: messages
   * to the room also show in Prebuilt's chat, and Prebuilt's chat is stored once
   * (docs/prebuilt.md). Default: off.
   */
  prebuiltChat?: boolean
}

/**
 * One room's chat over the host's Daily call, inside its `DailyProvider`: takes the call object
 * from `useDaily()` (no second call object; the chat never joins or leaves the call, it waits until
 * the host has joined) and returns the chat's state and client. In the spirit of LiveKit's `useChat`.
 *
 * @example
 * const chat = useBackchannel({ functionUrl, getToken: () => myBackend.meetingToken() })
 * // In a component given chat.client once it is set:
 * const messages = useStore(client.messages)
 * messages.at(messages.size - 1)?.body
 */
export function useBackchannel(options: BackchannelOptions): Backchannel {
  const { transport } = options
  const callObject = useDaily()
  const hostFactory = useStableFactory(transport)
  const daily = useMemo(
    () => (callObject ? () => createDailyTransport({ callObject }) : undefined),
    [callObject],
  )
  const source = typeof transport === 'function' ? hostFactory : (transport ?? daily)
  return useChatSession({ ...options, transport: source })
}

/**
 * The host's transport factory as one function for as long as it is a function, so that an inline
 * `(token) => createRelayTransport(...)` does not restart the chat at every render of the host.
 */
function useStableFactory(transport: TransportSource | undefined) {
  const latest = useRef(transport)
  useLayoutEffect(() => {
    latest.current = transport
  })
  const isFactory = typeof transport === 'function'
  return useMemo(() => {
    if (!isFactory) return undefined
    return (token: string) => {
      const make = latest.current
      if (typeof make !== 'function') throw new Error('The chat transport is no longer a function.')
      return make(token)
    }
  }, [isFactory])
}

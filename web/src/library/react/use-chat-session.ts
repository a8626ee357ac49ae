import type { ChatUser } from '@shared/protocol.ts'
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { createChatApi, type RoomApi } from '../engine/chat-api.ts'
import { ChatClient } from '../engine/chat-client.ts'
import type { ChatTransport } from '../engine/live-channel.ts'
import type { OutboxStorage } from '../engine/outbox.ts'
import { borrowTransport } from '../transports/host-transport.ts'
import { readMeetingToken } from './meeting-token.ts'

/**
 * The live channel: a transport the host owns (the chat joins it, never leaves it), or a function
 * that makes one from the token (the chat leaves what it made when it unmounts).
 */
export type TransportSource = ChatTransport | ((token: string) => ChatTransport)

export interface ChatSessionOptions {
  /** The chat function, e.g. `https://<project>.supabase.co/functions/v1/chat`. */
  functionUrl: string
  /**
   * A Daily meeting token naming the room (`r`) and the person (`u`, `ud`), which the function
   * verifies. Called each time the chat starts (mount, or a new transport or function URL).
   */
  getToken: () => string | Promise<string>
  /** Undefined while there is no live channel yet: the chat waits for one. */
  transport: TransportSource | undefined
  /** Where unsent messages wait across reloads. Default: localStorage. */
  storage?: OutboxStorage
  /**
   * Daily Prebuilt's chat both ways, when some people in the call use Prebuilt's own UI: messages
   * to the room are copied to Prebuilt's chat, and Prebuilt's chat is stored (docs/prebuilt.md).
   * Read when the chat starts. Default: off (Prebuilt's chat shows, not saved).
   */
  prebuiltChat?: boolean
}

/**
 * `waiting`: no live channel yet (no call object); `connecting`: reading the token; `ready`: the
 * chat runs (`client.connection` says how its channel is); `failed`: see `error`.
 */
export type BackchannelStatus = 'waiting' | 'connecting' | 'ready' | 'failed'

/**
 * One room's chat as React sees it: where it stands, and the client to read and act on. Its
 * state is in the client's stores, read with `useStore` where it is shown (`client.messages`,
 * `client.people`, `client.typing`, `client.connection`, `client.history`…), so that each part
 * of a page renders again only for what it shows.
 */
export interface Backchannel {
  status: BackchannelStatus
  /** From the token, once read. */
  room?: string
  user?: ChatUser
  /** Set once the chat runs (status `ready`, or `failed` while joining). */
  client?: ChatClient
  api?: RoomApi
  /** Why the chat could not start, in words for the person. */
  error?: string
  /** Sends a message (Enter in the composer does the same). */
  send(text: string): ReturnType<ChatClient['send']>
}

const SYNC_INTERVAL_MS = 60_000

type Running = { client: ChatClient; api: RoomApi; room: string; user: ChatUser }
type State = { running?: Running; error?: string }

/**
 * Runs one room's chat while mounted, over the transport it is given: gets the token, reads the
 * room and the person from it, starts a ChatClient and catches up now and then. No Daily here:
 * `useBackchannel` adds the host's Daily call. Restarts when `functionUrl` or `transport` change;
 * a new `getToken` alone does not restart it.
 */
export function useChatSession(options: ChatSessionOptions): Backchannel {
  const { functionUrl, transport } = options
  const latest = useRef(options)
  useLayoutEffect(() => {
    latest.current = options
  })
  const [state, setState] = useState<State>({})

  useEffect(() => {
    if (!transport) return
    let cancelled = false
    let client: ChatClient | undefined
    setState({})
    const start = async () => {
      const token = await latest.current.getToken()
      if (cancelled) return
      const { room, user, owner } = readMeetingToken(token)
      const api = createChatApi(functionUrl).forRoom(room, token)
      const live = typeof transport === 'function' ? transport(token) : borrowTransport(transport)
      const { storage = localStorage, prebuiltChat } = latest.current
      client = new ChatClient({ room, user, owner, api, transport: live, storage, prebuiltChat })
      setState({ running: { client, api, room, user } })
      await client.start()
    }
    start().catch((reason: unknown) => {
      if (cancelled) return
      const error = reason instanceof Error ? reason.message : String(reason)
      setState((current) => ({ ...current, error }))
    })
    return () => {
      cancelled = true
      void client?.dispose()
    }
  }, [functionUrl, transport])

  const running = transport ? state.running : undefined
  const client = running?.client
  useCatchUp(client)
  const send = useCallback(
    (text: string) =>
      client ? client.send(text) : { ok: false as const, error: 'The chat is not connected yet.' },
    [client],
  )

  const error = transport ? state.error : undefined
  const status: BackchannelStatus = !transport
    ? 'waiting'
    : error
      ? 'failed'
      : running
        ? 'ready'
        : 'connecting'
  return { status, ...running, error, send }
}

/** Catches up now and then (deletions made in Studio reach open clients), and on coming back. */
function useCatchUp(client: ChatClient | undefined) {
  useEffect(() => {
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
  }, [client])
}

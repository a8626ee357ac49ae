import Daily, { type DailyEventObject } from '@daily-co/daily-js'
import { type ComponentType, createElement } from 'react'
import type { ChatTransport } from '../../library/engine/live-channel.ts'
import {
  createDailyTransport,
  type DailyEventName,
  type DailyEventPayloads,
} from '../../library/transports/daily-transport.ts'
import { DailyTiles } from './daily-tiles.tsx'

// Passing the real call object to createDailyTransport checks its methods against DailyCallLike,
// but TypeScript compares overloaded `on`/`off` loosely (generics erased). This checks each event's
// payload: it fails to compile, naming the event, when daily-js's no longer has what chat reads.
type MismatchedEvent = {
  [E in DailyEventName]: DailyEventObject<E> extends DailyEventPayloads[E] ? never : E
}[DailyEventName]
type NoMismatch<Event extends never> = Event
/** @public Used by nothing: compiling it is the check. */
export type DailyPayloadsFit = NoMismatch<MismatchedEvent>

type TilesProps = { transport: ChatTransport; onLeave: () => void }

/** A Daily call: chat's live channel over it, and the video tiles that show it. */
export interface DailySession {
  transport: ChatTransport
  Tiles: ComponentType<TilesProps>
}

/** Creates the call object for `room` on `domain` (acme.daily.co); the transport's join() joins. */
export async function openDailySession(options: {
  domain: string
  room: string
  token: string
}): Promise<DailySession> {
  const { domain, room, token } = options
  // Throws when another call object exists (daily-js allows one) or without WebRTC; the caller
  // shows that as the reason the call could not open.
  // avoidEval: daily-js then loads its call machine as a script, which the CSP allows, not with eval.
  const callObject = Daily.createCallObject({ dailyConfig: { avoidEval: true } })
  // The real DailyCall goes in as DailyCallLike: this line is the check that the two still fit.
  const inner = createDailyTransport({ callObject, url: `https://${domain}/${room}`, token })

  let leaving: Promise<void> | undefined
  const transport: ChatTransport = {
    ...inner,
    // Destroy after leaving so a later session can create its own call object; once only,
    // because the page and the chat client may both leave.
    leave() {
      leaving ??= inner.leave().finally(() => callObject.destroy())
      return leaving
    },
  }

  // biome-ignore lint/correctness/noComponentHookFactories: made once per session, not per render.
  function Tiles({ onLeave }: TilesProps) {
    return createElement(DailyTiles, { callObject, onLeave })
  }

  return { transport, Tiles }
}

import type { ComponentType } from 'react'
import type { ChatTransport } from '../library/engine/live-channel.ts'
import { createRelayTransport } from '../library/transports/relay-transport.ts'
import { DAILY_DOMAIN, relayUrl } from './config.ts'
import { InitialsTiles, type TilesProps } from './initials-tiles.tsx'
import type { JoinedRoom } from './session.ts'

/** The call a joined person is in: its live channel, and what shows the people in it. */
export interface CallSession {
  transport: ChatTransport
  Tiles: ComponentType<TilesProps>
}

/**
 * Daily when a Daily domain is configured (its SDK is loaded only then), the local relay otherwise.
 * The one place that chooses.
 */
export async function openCallSession(joined: JoinedRoom): Promise<CallSession> {
  if (DAILY_DOMAIN) {
    const { openDailySession } = await import('./daily/daily-session.ts')
    return openDailySession({ domain: DAILY_DOMAIN, room: joined.room, token: joined.token })
  }
  return {
    transport: createRelayTransport({ url: relayUrl(), token: joined.token }),
    Tiles: InitialsTiles,
  }
}

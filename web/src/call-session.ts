import type { ComponentType } from 'react'
import { InitialsTiles, type TilesProps } from './components/initials-tiles.tsx'
import { DAILY_DOMAIN, relayUrl } from './config.ts'
import type { ChatTransport } from './core/live-channel.ts'
import type { JoinedRoom } from './session.ts'
import { createRelayTransport } from './transport/relay-transport.ts'

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

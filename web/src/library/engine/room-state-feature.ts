import type { LiveEnvelope } from '@shared/protocol.ts'

/** The live notices that carry no data, only "read this again" (see liveEnvelopeSchema). */
export type RoomStateNotice = Extract<LiveEnvelope['type'], 'settings' | 'pins' | 'reports'>

/**
 * A feature that keeps part of the room's state beside the messages (its settings, its pins, the
 * reports…) and registers it with the engine in one line (ChatClient's `#roomState`): the engine
 * reads it when the chat starts and at every catch-up, and again whenever its notice arrives from
 * someone allowed to send it. Each kind of notice costs at most the read in flight and one more.
 */
export interface RoomStateFeature {
  /** Reads the feature's state again; a failure keeps what is known (and is logged). */
  refresh(): Promise<void>
  /** The notice that announces a change, if the feature has one. */
  notice?: {
    type: RoomStateNotice
    /** Who may send it: from anyone else it is news of nothing, and dropped. */
    from: 'owners' | 'anyone'
    /** Who reads on it: `owners` drops it at everyone else's page. */
    readers: 'everyone' | 'owners'
    /** It also changes messages (a pin's mark): the catch-up reads them. */
    alsoCatchUp?: boolean
  }
}

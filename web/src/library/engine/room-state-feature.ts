import type { LiveEnvelope } from '@shared/protocol.ts'
import type { AnyLiveHandler } from './live-handler.ts'
import { MergedRead } from './notice-merge.ts'

/** The live notices that carry no data, only "read this again" (see liveEnvelopeSchema). */
type RoomStateNotice = Extract<LiveEnvelope['type'], 'settings' | 'pins' | 'reports'>

/**
 * A feature that keeps part of the room's state beside the messages (its settings, its pins, the
 * reports…) and registers it with the engine in one line (ChatClient's `#roomState`): the engine
 * reads it when the chat starts and at every catch-up, and again whenever its notice arrives from
 * someone allowed to send it (`roomStateNotice`, one LiveHandler). Each kind of notice costs at
 * most the read in flight and one more.
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

/**
 * The live handler of a feature's notice: the feature reads its state again, merged with the read
 * in flight (a burst of 100 notices costs two reads), and `catchUp` runs too when the notice
 * also changes messages.
 */
export function roomStateNotice(
  feature: RoomStateFeature,
  catchUp: () => Promise<void>,
): AnyLiveHandler | undefined {
  const notice = feature.notice
  if (!notice) return undefined
  const read = new MergedRead(() => feature.refresh())
  return {
    type: notice.type,
    from: notice.from,
    readers: notice.readers,
    receive: () => {
      void read.run()
      // The change's mark on a message comes with the catch-up, merged with every other ask.
      if (notice.alsoCatchUp) void catchUp()
    },
  }
}

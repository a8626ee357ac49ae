import type { StoredMessage } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { LatestRead } from '../../engine/latest-read.ts'
import type { RoomStateFeature } from '../../engine/room-state-feature.ts'
import { Store } from '../../engine/store.ts'
import { loadPins } from './pins-api.ts'

/**
 * The room's pinned messages, the newest pin first, as the function last listed them: read on
 * join, at every catch-up, and when an owner announces a change. A store of the list.
 */
export class PinBoard extends Store<readonly StoredMessage[]> implements RoomStateFeature {
  /** Owners pin and unpin; the pinned message's own mark comes with the catch-up. */
  readonly notice = {
    type: 'pins',
    from: 'owners',
    readers: 'everyone',
    alsoCatchUp: true,
  } as const
  readonly #reads: LatestRead<{ messages: StoredMessage[] }>

  constructor(options: {
    api: Pick<RoomApi, 'route'>
    log: (message: string, detail?: unknown) => void
  }) {
    super([])
    this.#reads = new LatestRead(
      () => loadPins(options.api),
      ({ messages }) => this.set(messages),
      options.log,
      'the pinned messages',
    )
  }

  /** Reads the pins again; a failure keeps the ones known. */
  refresh(): Promise<void> {
    return this.#reads.run()
  }
}

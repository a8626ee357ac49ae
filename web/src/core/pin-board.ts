import type { StoredMessage } from '@shared/protocol.ts'
import type { RoomApi } from './chat-api.ts'
import { Store } from './store.ts'

/**
 * The room's pinned messages, the newest pin first, as the function last listed them: read on
 * join, at every catch-up, and when an owner announces a change. A store of the list.
 */
export class PinBoard extends Store<readonly StoredMessage[]> {
  readonly #api: Pick<RoomApi, 'loadPins'>
  readonly #log: (message: string, detail?: unknown) => void
  #loads = 0

  constructor(options: {
    api: Pick<RoomApi, 'loadPins'>
    log: (message: string, detail?: unknown) => void
  }) {
    super([])
    this.#api = options.api
    this.#log = options.log
  }

  /** Reads the pins again; a failure keeps the ones known. An older answer never wins. */
  async refresh(): Promise<void> {
    const load = ++this.#loads
    try {
      const { messages } = await this.#api.loadPins()
      if (load === this.#loads) this.set(messages)
    } catch (error) {
      this.#log('could not read the pinned messages', error)
    }
  }
}

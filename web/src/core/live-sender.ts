import type { LiveEnvelope } from '@shared/protocol.ts'
import { type ChatTransport, TransportError } from './live-channel.ts'

/**
 * Sends envelopes over the live channel. What cannot go out while disconnected waits and goes on
 * reconnect, except typing, which is stale by then; anything else the channel refuses is logged.
 */
export class LiveSender {
  readonly #transport: Pick<ChatTransport, 'send'>
  readonly #log: (message: string, detail?: unknown) => void
  /** Envelopes that could not go out while disconnected: sent on reconnect. */
  #unsent: LiveEnvelope[] = []

  constructor(
    transport: Pick<ChatTransport, 'send'>,
    log: (message: string, detail?: unknown) => void,
  ) {
    this.#transport = transport
    this.#log = log
  }

  /** Sends now, or once connected again; never throws. */
  send(envelope: LiveEnvelope): void {
    try {
      this.#transport.send(envelope)
    } catch (error) {
      if (error instanceof TransportError && error.code === 'not_joined') {
        // Typing is stale by the time we reconnect; messages are not.
        if (envelope.type !== 'typing') this.#unsent.push(envelope)
        return
      }
      this.#log('could not send live', error)
    }
  }

  /** The channel is back: sends what waited, in order. */
  flush(): void {
    const unsent = this.#unsent
    this.#unsent = []
    for (const envelope of unsent) this.send(envelope)
  }
}

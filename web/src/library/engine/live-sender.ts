import type { LiveEnvelope } from '@shared/protocol.ts'
import { type ChatTransport, TransportError } from './live-channel.ts'

/** How many envelopes wait for a reconnect at most (the oldest go first: history has them). */
const MAX_UNSENT = 200

/**
 * Sends envelopes over the live channel, to everyone or only to some people (a private message:
 * only the sessions of those user ids, never a broadcast). What cannot go out while disconnected
 * waits and goes on reconnect, except typing, which is stale by then; anything else the channel
 * refuses is logged.
 */
export class LiveSender {
  readonly #transport: Pick<ChatTransport, 'send' | 'participants'>
  readonly #log: (message: string, detail?: unknown) => void
  /** Envelopes that could not go out while disconnected: sent on reconnect. */
  #unsent: { envelope: LiveEnvelope; audience?: readonly string[] }[] = []

  constructor(
    transport: Pick<ChatTransport, 'send' | 'participants'>,
    log: (message: string, detail?: unknown) => void,
  ) {
    this.#transport = transport
    this.#log = log
  }

  /**
   * Sends now, or once connected again; never throws. `audience`: the user ids whose sessions
   * alone get it (this user's own other sessions among them); absent: everyone.
   */
  send(envelope: LiveEnvelope, audience?: readonly string[]): void {
    try {
      if (!audience) {
        this.#transport.send(envelope)
        return
      }
      // Their sessions as the channel knows them now. None (not in the call, or this session
      // cut off and knowing nobody): it waits for the next reconnect, and is read from history
      // meanwhile. Never a broadcast.
      const sessions = this.#transport
        .participants()
        .filter((person) => !person.local && audience.includes(person.userId))
        .map((person) => person.sessionId)
      if (sessions.length > 0) this.#transport.send(envelope, sessions)
      else this.#keep(envelope, audience)
    } catch (error) {
      if (error instanceof TransportError && error.code === 'not_joined') {
        this.#keep(envelope, audience)
        return
      }
      this.#log('could not send live', error)
    }
  }

  #keep(envelope: LiveEnvelope, audience?: readonly string[]) {
    // Typing is stale by the time we reconnect; messages are not.
    if (envelope.type === 'typing') return
    this.#unsent.push({ envelope, audience })
    if (this.#unsent.length > MAX_UNSENT) this.#unsent.shift()
  }

  /** The channel is back: sends what waited, in order. */
  flush(): void {
    const unsent = this.#unsent
    this.#unsent = []
    for (const { envelope, audience } of unsent) this.send(envelope, audience)
  }
}

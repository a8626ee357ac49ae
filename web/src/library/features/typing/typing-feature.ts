import { LIVE_PROTOCOL_VERSION } from '@shared/protocol.ts'
import type { Clock } from '../../engine/clock.ts'
import type { LiveEnvelopeOf, LiveHandler } from '../../engine/live-handler.ts'
import { type ReadableStore, Store } from '../../engine/store.ts'
import type { RoomRules } from '../room-rules/room-rules.ts'
import { TypingNotifier, TypingRoster, typingLine } from './typing.ts'

export interface TypingOptions {
  clock: Clock
  /** This user's id: their other tabs hear a private message's typing too. */
  userId: string
  /** Sends a typing envelope, to these users' sessions only when `audience` is given. */
  send: (envelope: LiveEnvelopeOf<'typing'>, audience?: readonly string[]) => void
  /** Whom the room's settings let send: nobody else shows as typing. */
  rules: Pick<RoomRules, 'takesTyping'>
}

/**
 * Typing, both ways: telling the others while this user types (only the recipient while a private
 * message is written), and the line of who else is typing, fed by the `typing` envelopes it
 * registers with the live inbox (`notice`).
 */
export class Typing {
  readonly #line = new Store('')
  /** "Ana is typing…", or ''. */
  readonly line: ReadableStore<string> = this.#line
  readonly #roster: TypingRoster
  readonly #notifier: TypingNotifier
  /** Whom typing notices go to while a private message is written (a user id). */
  #to: string | undefined
  /** Someone started or stopped typing; someone the settings keep from sending never shows. */
  readonly notice: LiveHandler<'typing'>

  constructor(options: TypingOptions) {
    const { clock, userId, send, rules } = options
    const roster = new TypingRoster({
      clock,
      onChange: (names) => this.#line.set(typingLine(names)),
    })
    this.#roster = roster
    this.#notifier = new TypingNotifier({
      clock,
      // Typing a private message shows only to its recipient.
      send: (typing) =>
        send(
          { v: LIVE_PROTOCOL_VERSION, type: 'typing', typing },
          this.#to ? [this.#to, userId] : undefined,
        ),
    })
    this.notice = {
      type: 'typing',
      receive: (envelope, from) => {
        // Someone the settings keep from sending has nothing coming: no "is typing" either.
        if (envelope.typing && !rules.takesTyping(from)) return
        roster.signal(from.sessionId, from.name, envelope.typing)
      },
    }
  }

  /** The composer's text changed, for the room or for one person (`to`, a user id). */
  input(text: string, to: string | undefined): void {
    // A new audience: whoever was told of typing before hears that it stopped.
    if (to !== this.#to) this.#notifier.stop()
    this.#to = to
    this.#notifier.input(text)
  }

  /**
   * This user's message is sent: the others stop seeing them type. `live`: it went out live,
   * which ends the notice wherever it arrives, so nothing more is sent.
   */
  sent(live: boolean): void {
    if (live) this.#notifier.ended()
    else this.#notifier.stop()
  }

  /** The session sent a message or left: it is typing no more. */
  ended(sessionId: string): void {
    this.#roster.clear(sessionId)
  }

  /** Says typing stopped if it was said, and stops every timer. */
  dispose(): void {
    this.#notifier.stop()
    this.#roster.dispose()
    this.#line.unsubscribeAll()
  }
}

import { Emitter } from '../src/library/engine/emitter.ts'
import {
  type ChatTransport,
  type ConnectionState,
  liveChannelJson,
  type Participant,
  TransportError,
  type TransportEvents,
} from '../src/library/engine/live-channel.ts'

/** A transport double for tests: records what is sent, and delivers what a test says arrived. */
export class FakeTransport implements ChatTransport {
  readonly sent: unknown[] = []
  joined = false
  left = false
  #participants: Participant[]
  readonly #events = new Emitter<TransportEvents>()

  constructor(readonly self: Participant = fakeParticipant('me', 'Me', true)) {
    this.#participants = [self]
  }

  async join() {
    this.joined = true
    this.connection('connected')
  }

  async leave() {
    this.left = true
    this.joined = false
  }

  send(data: unknown, to?: readonly string[]) {
    if (!this.joined) throw new TransportError('not_joined', 'Not joined.')
    liveChannelJson(data)
    this.sent.push(data)
    this.addressed.push({ data, to })
  }

  /** Everything sent, with whom it was addressed to (undefined: everyone). */
  readonly addressed: { data: unknown; to?: readonly string[] }[] = []

  participants() {
    return [...this.#participants]
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]) {
    return this.#events.on(event, listener)
  }

  /** Someone else's data arrives. */
  deliver(data: unknown, fromSessionId: string) {
    this.#events.emit('message', data, fromSessionId)
  }

  arrive(participant: Participant) {
    this.#participants.push(participant)
    this.#events.emit('participant-joined', participant)
  }

  depart(sessionId: string) {
    const participant = this.#participants.find((p) => p.sessionId === sessionId)
    if (!participant) return
    this.#participants = this.#participants.filter((p) => p !== participant)
    this.#events.emit('participant-left', participant)
  }

  connection(state: ConnectionState) {
    this.joined = state === 'connected'
    this.#events.emit('connection', state)
  }
}

export const fakeParticipant = (id: string, name: string, local = false): Participant => ({
  sessionId: `session-${id}`,
  userId: `user-${id}`,
  userName: name,
  local,
})

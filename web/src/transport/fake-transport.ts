import {
  type ChatTransport,
  type ConnectionState,
  type Participant,
  TransportError,
  type TransportEvents,
} from './chat-transport.ts'

/** A transport double for tests: records what is sent, and delivers what a test says arrived. */
export class FakeTransport implements ChatTransport {
  readonly sent: unknown[] = []
  joined = false
  left = false
  #participants: Participant[]
  readonly #listeners: { [E in keyof TransportEvents]: Set<TransportEvents[E]> } = {
    message: new Set(),
    'participant-joined': new Set(),
    'participant-left': new Set(),
    connection: new Set(),
  }

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

  send(data: unknown) {
    if (!this.joined) throw new TransportError('not_joined', 'Not joined.')
    if (JSON.stringify(data).length > 4096) throw new TransportError('too_large', 'Too large.')
    this.sent.push(data)
  }

  participants() {
    return [...this.#participants]
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]) {
    this.#listeners[event].add(listener)
    return () => {
      this.#listeners[event].delete(listener)
    }
  }

  /** Someone else's data arrives. */
  deliver(data: unknown, fromSessionId: string) {
    for (const listener of this.#listeners.message) listener(data, fromSessionId)
  }

  arrive(participant: Participant) {
    this.#participants.push(participant)
    for (const listener of this.#listeners['participant-joined']) listener(participant)
  }

  depart(sessionId: string) {
    const participant = this.#participants.find((p) => p.sessionId === sessionId)
    if (!participant) return
    this.#participants = this.#participants.filter((p) => p !== participant)
    for (const listener of this.#listeners['participant-left']) listener(participant)
  }

  connection(state: ConnectionState) {
    this.joined = state === 'connected'
    for (const listener of this.#listeners.connection) listener(state)
  }
}

export const fakeParticipant = (id: string, name: string, local = false): Participant => ({
  sessionId: `session-${id}`,
  userId: `user-${id}`,
  userName: name,
  local,
})

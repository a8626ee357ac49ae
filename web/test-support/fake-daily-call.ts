import type {
  DailyCallLike,
  DailyEventName,
  DailyEventPayloads,
  DailyParticipantLike,
} from '../src/library/transports/daily-transport.ts'

// daily-js 0.87.0, dist/daily-esm.js: `$o=4096` is the default `_maxAppMessageSize`, which the
// joined-meeting message from Daily's servers may replace.
const DAILY_DEFAULT_MAX_APP_MESSAGE_SIZE = 4096

type AnyHandler = (event: never) => void

/** A participant the way daily-js reports one; `overrides` win. */
export function dailyParticipant(overrides: Partial<DailyParticipantLike> = {}) {
  return {
    session_id: 'session-ana',
    user_id: 'user-ana',
    user_name: 'Ana',
    local: false,
    ...overrides,
  }
}

/**
 * A double of daily-js's call object, for the part the transport uses. It joins without a
 * network, lets tests emit Daily's events, and its sendAppMessage throws what daily-js throws.
 */
export class FakeDailyCall implements DailyCallLike {
  state = 'new'
  /** As daily-js keys it: 'local' for this session, session ids for the others. */
  participantsById: Record<string, DailyParticipantLike> = {
    local: dailyParticipant({
      session_id: 'session-local',
      user_id: 'user-local',
      user_name: 'Me',
      local: true,
    }),
  }
  /** What the servers set at join; daily-js checks the size of app messages against it. */
  maxAppMessageSize = DAILY_DEFAULT_MAX_APP_MESSAGE_SIZE
  /** When set, the next sendAppMessage throws it (after being recorded). */
  sendAppMessageError: Error | undefined

  readonly joinCalls: Array<{ url: string; token: string }> = []
  /** Every sendAppMessage call, including those that threw. */
  readonly sendAppMessageCalls: Array<{ data: unknown; to: unknown }> = []
  readonly onCalls: Array<{ event: DailyEventName; handler: AnyHandler }> = []
  readonly offCalls: Array<{ event: DailyEventName; handler: AnyHandler }> = []
  leaveCalls = 0
  readonly #handlers = new Map<DailyEventName, Set<AnyHandler>>()

  async join(options: { url: string; token: string }) {
    this.joinCalls.push(options)
    this.state = 'joined-meeting'
    return this.participantsById
  }

  /** The host app joins the call itself (not through the transport): 'joined-meeting' follows. */
  joinedByHost() {
    this.state = 'joined-meeting'
    this.emit('joined-meeting', { action: 'joined-meeting' })
  }

  /** Like daily-js: leaving ends in a 'left-meeting' event. */
  async leave() {
    this.leaveCalls += 1
    this.state = 'left-meeting'
    this.emit('left-meeting', { action: 'left-meeting' })
  }

  /** daily-js 0.87.0 `sendAppMessage`: the join check first, then the size check. */
  sendAppMessage(data: unknown, to: unknown = '*') {
    this.sendAppMessageCalls.push({ data, to })
    if (this.state !== 'joined-meeting') {
      throw new Error('sendAppMessage() only supported after join.')
    }
    if (JSON.stringify(data).length > this.maxAppMessageSize) {
      throw new Error(`Message data too large. Max size is ${this.maxAppMessageSize}`)
    }
    const error = this.sendAppMessageError
    this.sendAppMessageError = undefined
    if (error) throw error
    return this
  }

  participants() {
    return this.participantsById
  }

  meetingState() {
    return this.state
  }

  on(event: DailyEventName, handler: AnyHandler) {
    this.onCalls.push({ event, handler })
    const handlers = this.#handlers.get(event) ?? new Set()
    handlers.add(handler)
    this.#handlers.set(event, handlers)
    return this
  }

  off(event: DailyEventName, handler: AnyHandler) {
    this.offCalls.push({ event, handler })
    this.#handlers.get(event)?.delete(handler)
    return this
  }

  /** Delivers a Daily event to its handlers, with the `action` daily-js adds. */
  emit<E extends DailyEventName>(event: E, payload: DailyEventPayloads[E]) {
    for (const handler of [...(this.#handlers.get(event) ?? [])]) {
      ;(handler as (value: unknown) => void)({ action: event, callClientId: 'fake', ...payload })
    }
  }

  /** How many handlers are attached, for one event or in all. */
  listenerCount(event?: DailyEventName) {
    if (event) return this.#handlers.get(event)?.size ?? 0
    return [...this.#handlers.values()].reduce((count, handlers) => count + handlers.size, 0)
  }
}

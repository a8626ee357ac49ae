/** Listeners by event name: each event's listener type says what it is called with. */
export type EventListeners<Events> = { [E in keyof Events]: (...args: never[]) => unknown }

/**
 * A small typed event emitter: what the transports (relay, Daily, the test double) use to tell
 * chat what happened. One failing listener neither starves the others nor throws into whoever
 * emitted (a WebSocket handler, daily-js's own dispatch): its error is reported on its own, the
 * way an uncaught error would be.
 *
 * @example
 * const events = new Emitter<{ message: (text: string) => void }>()
 * const off = events.on('message', (text) => console.log(text))
 * events.emit('message', 'hello')
 * off()
 */
export class Emitter<Events extends EventListeners<Events>> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>()

  /** Calls `listener` on each `event` until the returned function is called. */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    const listeners = this.#listeners.get(event) ?? new Set()
    listeners.add(listener)
    this.#listeners.set(event, listeners)
    return () => {
      listeners.delete(listener)
    }
  }

  /** Calls every listener of `event`, in the order they were added, with `args`. */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    // A copy: a listener may add or remove listeners while this runs.
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        ;(listener as (...values: Parameters<Events[E]>) => unknown)(...args)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0
  }
}

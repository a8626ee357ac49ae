/** What React reads with `useSyncExternalStore(store.subscribe, store.getSnapshot)`. */
export interface ReadableStore<Snapshot> {
  subscribe(listener: () => void): () => void
  /** The same object until something changes. */
  getSnapshot(): Snapshot
}

/**
 * State outside React, read through `useSyncExternalStore(store.subscribe, store.getSnapshot)`:
 * the snapshot is the same object until something changes, and every change is announced.
 * The core's stores (the upload tray, message editing) hold one; ChatClient works the same way.
 *
 * @example
 * const store = new Store({ count: 0 })
 * store.subscribe(() => console.log(store.getSnapshot().count))
 * store.set({ count: 1 })
 */
export class Store<Snapshot> implements ReadableStore<Snapshot> {
  readonly #listeners = new Set<() => void>()
  #snapshot: Snapshot

  constructor(initial: Snapshot) {
    this.#snapshot = initial
  }

  /** Calls `listener` after each change, until the returned function is called. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** The current state; the same object until something changes. */
  getSnapshot = (): Snapshot => this.#snapshot

  /** Replaces the snapshot and tells every listener; the same object changes nothing. */
  set(next: Snapshot): void {
    if (Object.is(next, this.#snapshot)) return
    this.#snapshot = next
    for (const listener of [...this.#listeners]) listener()
  }

  /** Forgets every listener (the owner is disposed). */
  unsubscribeAll(): void {
    this.#listeners.clear()
  }
}

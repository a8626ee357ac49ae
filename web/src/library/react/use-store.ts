import { useSyncExternalStore } from 'react'
import type { ReadableStore } from '../engine/store.ts'

const whole = <T>(snapshot: T) => snapshot

/**
 * What a component shows of a store: its snapshot, or the part `selector` picks; the component
 * renders again only when that part changes (compared with Object.is). A selector must hand back
 * the same value for the same state: a part of the snapshot, a primitive, or a cached object.
 *
 * @example
 * const typing = useStore(client.typing)
 * const label = useStore(client.people, (people) => people.labels.get(userId))
 */
export function useStore<Snapshot, Selected = Snapshot>(
  store: ReadableStore<Snapshot>,
  selector: (snapshot: Snapshot) => Selected = whole as (snapshot: Snapshot) => Selected,
): Selected {
  const select = () => selector(store.getSnapshot())
  // The same answer on a server render (a host on Next.js, say): nothing runs there.
  return useSyncExternalStore(store.subscribe, select, select)
}

import type { ReadableStore } from '../../engine/store.ts'
import { useStore } from '../../react/use-store.ts'
import type { Arrivals } from './arrivals.ts'
import type { SeenMark } from './use-unseen-count.ts'

/**
 * "New messages (n)" below the list while the reader is away from the newest message. Its own
 * component, so that a message arriving while the reader is at the bottom (seen as the list
 * sticks to it) renders this button, not the list, again.
 */
export function NewMessagesButton({
  arrivals,
  seen,
  atBottom,
  onClick,
}: {
  arrivals: ReadableStore<Arrivals>
  seen: SeenMark
  /** At the bottom, what came is marked seen as the list sticks to it (before paint): no button. */
  atBottom: ReadableStore<boolean>
  onClick: () => void
}) {
  const unseen = useStore(arrivals, (snapshot) => snapshot.count) - useStore(seen)
  const bottom = useStore(atBottom)
  if (unseen <= 0 || bottom) return null
  return (
    <button type="button" className="bc-new-messages" onClick={onClick}>
      New messages ({unseen})
    </button>
  )
}

import { useCallback, useEffect, useState } from 'react'
import type { Arrivals } from '../core/arrivals.ts'
import type { ReadableStore } from '../core/store.ts'
import { useStore } from './use-store.ts'

const NO_ARRIVALS: Arrivals = { count: 0, recent: [] }
const none: ReadableStore<Arrivals> = {
  subscribe: () => () => {},
  getSnapshot: () => NO_ARRIVALS,
}

/**
 * How many new messages (ChatClient's `arrivals`) came since the reader last looked: `markSeen()`
 * says they look now, and while `looking` none count. Without a client yet, none.
 */
export function useUnseenCount(arrivals: ReadableStore<Arrivals> | undefined, looking: boolean) {
  const { count } = useStore(arrivals ?? none)
  const [mark, setMark] = useState(count)
  // A new client counts from 0 again.
  useEffect(() => {
    if (looking || count < mark) setMark(count)
  }, [looking, count, mark])
  const markSeen = useCallback(() => setMark(count), [count])
  return { unseen: looking ? 0 : Math.max(0, count - mark), markSeen }
}

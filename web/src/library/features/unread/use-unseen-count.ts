import { useCallback, useEffect, useState } from 'react'
import type { ReadableStore } from '../../engine/store.ts'
import { useStore } from '../../react/use-store.ts'
import type { Arrivals } from './arrivals.ts'

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

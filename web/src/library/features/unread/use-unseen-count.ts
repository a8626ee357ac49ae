import { useState } from 'react'
import { type ReadableStore, Store } from '../../engine/store.ts'
import { useStore } from '../../react/use-store.ts'
import type { Arrivals } from './arrivals.ts'

const NO_ARRIVALS: Arrivals = { count: 0, recent: [] }
const none: ReadableStore<Arrivals> = {
  subscribe: () => () => {},
  getSnapshot: () => NO_ARRIVALS,
}
const arrivalCount = (arrivals: Arrivals) => arrivals.count

/**
 * How many new messages (ChatClient's `arrivals`) came since the reader last looked: none while
 * `looking`, and those after the moment they looked away otherwise. Without a client yet, none.
 * While looking, the component does not even listen: a message seen at once costs it no render.
 */
export function useUnseenCount(
  arrivals: ReadableStore<Arrivals> | undefined,
  looking: boolean,
): number {
  const source = arrivals ?? none
  // Taken when the reader looks away (or the client changes): what came after is unseen. Set
  // while rendering, as React lets a component adjust its state to its props, so no render shows
  // a count from before.
  const [from, setFrom] = useState(() => ({
    source,
    looking,
    mark: arrivalCount(source.getSnapshot()),
  }))
  if (from.source !== source || from.looking !== looking) {
    setFrom({ source, looking, mark: arrivalCount(source.getSnapshot()) })
  }
  const count = useStore(looking ? none : source, arrivalCount)
  return looking ? 0 : Math.max(0, count - from.mark)
}

/**
 * How far a reader has seen the arrivals, as a store of the arrival count: set (markSeen) as often
 * as the reader is at the newest message, without rendering whoever sets it. NewMessagesButton
 * renders from it.
 */
export class SeenMark extends Store<number> {
  readonly #arrivals: ReadableStore<Arrivals>

  constructor(arrivals: ReadableStore<Arrivals>) {
    super(arrivals.getSnapshot().count)
    this.#arrivals = arrivals
  }

  /** Everything that came so far is seen. */
  markSeen(): void {
    this.set(this.#arrivals.getSnapshot().count)
  }
}

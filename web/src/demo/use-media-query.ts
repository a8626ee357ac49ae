import { useCallback, useSyncExternalStore } from 'react'

// One list per query: React reads the snapshot on every render of the caller (with each chat
// message), and window.matchMedia builds a new list, and evaluates the query, every time.
const lists = new Map<string, MediaQueryList>()
const mediaList = (query: string) => {
  let list = lists.get(query)
  if (!list) {
    list = window.matchMedia(query)
    lists.set(query, list)
  }
  return list
}

/** Whether a CSS media query matches, following changes (e.g. the window narrowing). */
export function useMediaQuery(query: string): boolean {
  // The same function while the query stays: a new one would make React subscribe again.
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = mediaList(query)
      list.addEventListener('change', onChange)
      return () => list.removeEventListener('change', onChange)
    },
    [query],
  )
  return useSyncExternalStore(subscribe, () => mediaList(query).matches)
}

import { useSyncExternalStore } from 'react'

const subscribe = (listener: () => void) => {
  document.addEventListener('visibilitychange', listener)
  return () => document.removeEventListener('visibilitychange', listener)
}

/** Whether the page is visible now (`document.visibilityState`), following `visibilitychange`. */
export const pageVisible = () => document.visibilityState === 'visible'

/** Whether the page is visible; re-renders when the tab is hidden or shown again. */
export function usePageVisible(): boolean {
  // Visible on a server render: nothing there is hidden.
  return useSyncExternalStore(subscribe, pageVisible, () => true)
}

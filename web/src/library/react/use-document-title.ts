import { useEffect } from 'react'
import type { ReadableStore } from '../engine/store.ts'
import type { Arrivals } from '../features/unread/arrivals.ts'
import { pageVisible } from './use-page-visible.ts'

/** The title with the unread count in front, e.g. "(3) standup · Backchannel". */
const unreadTitle = (title: string, unread: number) => (unread > 0 ? `(${unread}) ${title}` : title)

/**
 * Sets the document title to `title` while mounted, with the count of new messages (the client's
 * `arrivals`) that came while the tab was hidden; the count clears when the tab is shown again.
 * Gives the page its previous title back on unmount. `title` undefined: the title is left alone
 * (an embedding host's page is its own). Effects only, so a server render does nothing.
 */
export function useDocumentTitle(
  title: string | undefined,
  arrivals: ReadableStore<Arrivals> | undefined,
) {
  useEffect(() => {
    if (title === undefined) return
    const previous = document.title
    const countNow = () => arrivals?.getSnapshot().count ?? 0
    // Arrivals up to the mark were there while the reader could see the tab.
    let mark = countNow()
    const update = () => {
      const count = countNow()
      if (pageVisible()) mark = count
      document.title = unreadTitle(title, count - mark)
    }
    update()
    const unsubscribe = arrivals?.subscribe(update)
    document.addEventListener('visibilitychange', update)
    return () => {
      unsubscribe?.()
      document.removeEventListener('visibilitychange', update)
      document.title = previous
    }
  }, [title, arrivals])
}

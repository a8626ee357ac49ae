import { useEffect, useRef, useState } from 'react'
import type { ReadableStore } from '../engine/store.ts'
import type { TimelineMessage } from '../engine/timeline.ts'
import { type Arrivals, RECENT_ARRIVALS } from '../features/unread/arrivals.ts'
import { useStore } from './use-store.ts'

/** Tells screen readers about each new message from someone else (see Arrivals), once. */
export function LiveAnnouncer({ arrivals }: { arrivals: ReadableStore<Arrivals> }) {
  const { count, recent } = useStore(arrivals)
  const [text, setText] = useState('')
  // Whatever arrived before this mounted is history, not news.
  const announced = useRef(count)

  useEffect(() => {
    const news = count - announced.current
    announced.current = count
    // A burst (a long gap filled at once) is no news to read out; a few messages at once are.
    if (news > 0 && news <= RECENT_ARRIVALS) {
      setText(recent.slice(-news).map(announcement).join('\n'))
    }
  }, [count, recent])

  return (
    <div className="bc-visually-hidden" aria-live="polite" aria-atomic="true">
      {text}
    </div>
  )
}

/**
 * "Ana: hello", "Ana mentioned you: @Me hello", or for files alone "Ana sent photo.png and
 * notes.pdf".
 */
function announcement(message: TimelineMessage): string {
  const files = message.attachments.map((file) => file.name)
  if (message.body === '') return `${message.sender.name} sent ${files.join(' and ')}`
  const withFiles = files.length > 0 ? ` (with ${files.join(', ')})` : ''
  const said = message.mentionsMe ? ' mentioned you' : ''
  return `${message.sender.name}${said}: ${message.body}${withFiles}`
}

import { useEffect, useRef, useState } from 'react'
import type { TimelineMessage } from '../core/timeline.ts'

/** Tells screen readers about each message that arrives from someone else, once. */
export function LiveAnnouncer({ messages }: { messages: readonly TimelineMessage[] }) {
  const [text, setText] = useState('')
  const seen = useRef<Set<string> | undefined>(undefined)

  useEffect(() => {
    // Whatever is there on first render is history, not news.
    if (!seen.current) {
      seen.current = new Set(messages.map((message) => message.id))
      return
    }
    const arrived = messages.filter((message) => !seen.current?.has(message.id))
    for (const message of arrived) seen.current.add(message.id)
    // A page of older history is not news; a few messages at once (a gap filled) are.
    const news = arrived.filter((message) => !message.own)
    if (news.length > 0 && news.length <= 5) setText(news.map(announcement).join('\n'))
  }, [messages])

  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true">
      {text}
    </div>
  )
}

/** "Ana: hello", or for files alone "Ana sent photo.png and notes.pdf". */
function announcement(message: TimelineMessage): string {
  const files = message.attachments.map((file) => file.name)
  if (message.body === '') return `${message.sender.name} sent ${files.join(' and ')}`
  const withFiles = files.length > 0 ? ` (with ${files.join(', ')})` : ''
  return `${message.sender.name}: ${message.body}${withFiles}`
}

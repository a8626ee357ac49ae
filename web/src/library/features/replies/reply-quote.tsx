import { useId } from 'react'
import type { ReplyQuote as Quote } from './reply-quotes.ts'

/**
 * The compact quote above a reply: who wrote the message it answers and its first line, as a
 * button that goes to that message ("Go to Ana's message"); or that it was deleted, or is not to be
 * had here ("Original message unavailable").
 */
export function ReplyQuote({ quote, onGo }: { quote: Quote; onGo: (id: string) => void }) {
  const textId = useId()
  switch (quote.state) {
    case 'shown':
      return (
        <button
          type="button"
          className="bc-reply-quote"
          aria-label={`Go to ${quote.senderName}'s message`}
          aria-describedby={textId}
          onClick={() => onGo(quote.id)}
        >
          <span className="bc-reply-quote-sender">{quote.senderName}</span>{' '}
          {/* In quotation marks: quoted words, not a second copy of the message. */}
          <span id={textId} className="bc-reply-quote-text">
            “{quote.text}”
          </span>
        </button>
      )
    case 'deleted':
      return (
        <button
          type="button"
          className="bc-reply-quote bc-gone"
          aria-label="Go to the deleted message"
          onClick={() => onGo(quote.id)}
        >
          <span className="bc-reply-quote-text">Message deleted</span>
        </button>
      )
    case 'unavailable':
      return <p className="bc-reply-quote bc-gone">Original message unavailable</p>
    case 'loading':
      return <p className="bc-reply-quote bc-gone">Loading the original message…</p>
  }
}

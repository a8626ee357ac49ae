import type { StoredMessage } from '@shared/protocol.ts'
import { useId, useState } from 'react'
import { useStore } from '../../react/use-store.ts'
import { firstLine } from '../replies/reply-quotes.ts'
import type { PinBoard } from './pin-board.ts'

/** What a pin shows of its message: the sender and its first line (as a reply quote does). */
const summary = (message: StoredMessage) => ({
  sender: message.sender.name,
  text: firstLine(message),
})

/**
 * The room's pinned messages at the top of the conversation: the newest pin, which goes to its
 * message when chosen, and a button that opens the list of all pins. Nothing when none.
 */
export function PinBar({ pins, onGoTo }: { pins: PinBoard; onGoTo: (id: string) => void }) {
  const messages = useStore(pins)
  const [open, setOpen] = useState(false)
  const listId = useId()
  const newest = messages[0]
  if (!newest) return null
  const { sender, text } = summary(newest)
  const go = (id: string) => {
    setOpen(false)
    onGoTo(id)
  }

  return (
    <section className="bc-pin-bar" aria-label="Pinned messages">
      <div className="bc-pin-bar-row">
        <button
          type="button"
          className="bc-pin-bar-newest"
          aria-label={`Go to the pinned message from ${sender}: ${text}`}
          onClick={() => go(newest.id)}
        >
          <span className="bc-pin-bar-icon" aria-hidden="true">
            📌
          </span>
          <span className="bc-pin-bar-sender">{sender}</span>{' '}
          <span className="bc-pin-bar-text">{text}</span>
        </button>
        <button
          type="button"
          className="bc-pin-bar-all"
          aria-expanded={open}
          aria-controls={open ? listId : undefined}
          onClick={() => setOpen(!open)}
        >
          All pins ({messages.length})
        </button>
      </div>
      {open && (
        <ul id={listId} className="bc-pin-list" aria-label="All pinned messages">
          {messages.map((message) => {
            const pin = summary(message)
            return (
              <li key={message.id}>
                <button
                  type="button"
                  aria-label={`Go to the pinned message from ${pin.sender}: ${pin.text}`}
                  onClick={() => go(message.id)}
                >
                  <span className="bc-pin-bar-sender">{pin.sender}</span>{' '}
                  <span className="bc-pin-bar-text">{pin.text}</span>
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}

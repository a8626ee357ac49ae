import { useRef, useState } from 'react'
import type { ChatClient } from '../../engine/chat-client.ts'
import { PollForm } from './poll-form.tsx'

/**
 * The composer's "Create poll" button: it opens the poll form above the message field; focus
 * comes back to the button when the form goes.
 */
export function PollButton({ client, disabled }: { client: ChatClient; disabled?: boolean }) {
  const [open, setOpen] = useState(false)
  const button = useRef<HTMLButtonElement>(null)
  return (
    <>
      <button
        ref={button}
        type="button"
        className="bc-composer-icon"
        aria-label="Create poll"
        title="Create poll"
        aria-expanded={open}
        disabled={disabled}
        onClick={() => setOpen((shown) => !shown)}
      >
        <svg
          aria-hidden="true"
          focusable="false"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
        >
          <path d="M5 20V10M12 20V4M19 20v-7" />
        </svg>
      </button>
      {open && (
        <PollForm
          onStart={(question, options) => client.startPoll(question, options)}
          onDone={() => {
            setOpen(false)
            button.current?.focus()
          }}
        />
      )}
    </>
  )
}

import { useRef, useState } from 'react'
import type { ChatClient } from '../../engine/chat-client.ts'
import { ComposerIconButton } from '../../react/composer-icon-button.tsx'
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
      <ComposerIconButton
        ref={button}
        label="Create poll"
        aria-expanded={open}
        disabled={disabled}
        onClick={() => setOpen((shown) => !shown)}
      >
        <path d="M5 20V10M12 20V4M19 20v-7" />
      </ComposerIconButton>
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

import '../styles/backchannel.css'
import { useRef } from 'react'
import { ChatColumn } from './chat-column.tsx'
import type { Backchannel, BackchannelStatus } from './use-chat-session.ts'
import { useDocumentTitle } from './use-document-title.ts'
import { useMessageShortcut } from './use-message-shortcut.ts'

const WAITING_TEXT: Partial<Record<BackchannelStatus, string>> = {
  waiting: 'Waiting for the call…',
  connecting: 'Connecting…',
}

/**
 * Renders one room's chat (from `useBackchannel` or `useChatSession`): the chat column once it
 * runs, what it waits for before. Its root has the class `backchannel`, under which every style of
 * the module is scoped and its custom properties are read; `className` adds the host's own.
 * Alt+Shift+M anywhere on the page focuses its Message field. The page's title is the host's:
 * only with `documentTitle` does the panel set it, with the count of messages that came while the
 * tab was hidden in front ("(3) standup · Backchannel").
 */
export function ChatPanel({
  chat,
  className,
  documentTitle,
}: {
  chat: Backchannel
  className?: string
  /** Opt-in: the page's title while the chat is shown, the unread count added while hidden. */
  documentTitle?: string
}) {
  const root = className ? `backchannel ${className}` : 'backchannel'
  const { client, api } = chat
  const rootRef = useRef<HTMLDivElement>(null)
  useMessageShortcut(rootRef)
  useDocumentTitle(documentTitle, client?.arrivals)
  if (client && api && !chat.error) {
    return (
      <div className={root} ref={rootRef}>
        <ChatColumn client={client} api={api} />
      </div>
    )
  }
  return (
    <div className={root}>
      <aside className="bc-chat-column" aria-label="Chat">
        {chat.error ? (
          <p className="bc-chat-status bc-error" role="alert">
            Could not open the chat: {chat.error}
          </p>
        ) : (
          <p className="bc-chat-status" role="status">
            {WAITING_TEXT[chat.status]}
          </p>
        )}
      </aside>
    </div>
  )
}

import './backchannel.css'
import { ChatColumn } from '../components/chat-column.tsx'
import type { Backchannel, BackchannelStatus } from './use-chat-session.ts'

const WAITING_TEXT: Partial<Record<BackchannelStatus, string>> = {
  waiting: 'Waiting for the call…',
  connecting: 'Connecting…',
}

/**
 * Renders one room's chat (from `useBackchannel` or `useChatSession`): the chat column once it
 * runs, what it waits for before. Its root has the class `backchannel`, under which every style of
 * the module is scoped and its custom properties are read; `className` adds the host's own.
 */
export function ChatPanel({ chat, className }: { chat: Backchannel; className?: string }) {
  const root = className ? `backchannel ${className}` : 'backchannel'
  const { client, api } = chat
  if (client && api && !chat.error) {
    return (
      <div className={root}>
        <ChatColumn client={client} api={api} snapshot={chat.snapshot} />
      </div>
    )
  }
  return (
    <div className={root}>
      <aside className="chat-column" aria-label="Chat">
        {chat.error ? (
          <p className="chat-status error" role="alert">
            Could not open the chat: {chat.error}
          </p>
        ) : (
          <p className="chat-status" role="status">
            {WAITING_TEXT[chat.status]}
          </p>
        )}
      </aside>
    </div>
  )
}

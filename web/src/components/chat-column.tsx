import type { ChatClient, ChatSnapshot } from '../core/chat-client.ts'
import { Composer } from './composer.tsx'
import { LiveAnnouncer } from './live-announcer.tsx'
import { MessageList } from './message-list.tsx'
import { ParticipantList } from './participant-list.tsx'

const CONNECTION_TEXT: Partial<Record<ChatSnapshot['connection'], string>> = {
  connecting: 'Connecting…',
  interrupted: 'Reconnecting… messages you send will go out when the connection is back.',
  closed: 'Disconnected from the call.',
}

/** The chat beside the call: participants, the conversation, who is typing, the composer. */
export function ChatColumn({ client, snapshot }: { client: ChatClient; snapshot: ChatSnapshot }) {
  const connection = CONNECTION_TEXT[snapshot.connection]
  return (
    <aside className="chat-column" aria-label="Chat">
      <ParticipantList participants={snapshot.participants} />
      {connection && (
        <p className="connection" role="status">
          {connection}
        </p>
      )}
      {snapshot.history.error && (
        <p className="error" role="alert">
          Could not load earlier messages: {snapshot.history.error}
        </p>
      )}
      <MessageList
        messages={snapshot.messages}
        hasOlder={snapshot.history.hasOlder}
        loadingOlder={snapshot.history.loading && snapshot.history.loaded}
        onLoadOlder={() => void client.loadOlder()}
        onRetry={(id) => client.retry(id)}
      />
      <LiveAnnouncer messages={snapshot.messages} />
      <p className="typing" aria-live="polite">
        {snapshot.typingLine}
      </p>
      <Composer
        onSend={(text) => client.send(text)}
        onInput={(text) => client.inputChanged(text)}
      />
    </aside>
  )
}

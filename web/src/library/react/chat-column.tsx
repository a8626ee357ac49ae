import { type DragEvent, memo, useCallback, useMemo, useState } from 'react'
import type { RoomApi } from '../engine/chat-api.ts'
import type { ChatClient, ChatParticipant } from '../engine/chat-client.ts'
import type { ConnectionState } from '../engine/live-channel.ts'
import { useMessageEditing } from '../features/editing/index.ts'
import {
  NotificationSettings as AlertSettings,
  useMentionAlerts,
} from '../features/mentions/index.ts'
import { PinBar as Pins } from '../features/pins/index.ts'
import type { Recipient } from '../features/private-messages/index.ts'
import { QuestionsView as Questions, QuestionsAnnouncer } from '../features/questions/index.ts'
import { ChatSettings as ChatSettingsForm, RetentionNotice } from '../features/room-rules/index.ts'
import { MessageSearchPanel as SearchPanel } from '../features/search/index.ts'
import { useAttachments } from '../features/uploads/index.ts'
import { ColumnTabs } from './column-tabs.tsx'
import { Composer as ComposerForm } from './composer.tsx'
import { COMPOSER_TOOLS } from './composer-tools.tsx'
import { LiveAnnouncer as Announcer } from './live-announcer.tsx'
import { MessageList as List } from './message-list.tsx'
import { ParticipantList as People } from './participant-list.tsx'
import { TranscriptDownload as Transcript } from './transcript-download.tsx'
import { useStore } from './use-store.ts'

// The column's parts each follow their own stores (messages, typing, settings, search, pins, the
// reply draft…): the column renders again only when the people, the connection or the history
// change, and then parts whose props stayed the same are skipped.
const ParticipantList = memo(People)
const TranscriptDownload = memo(Transcript)
const NotificationSettings = memo(AlertSettings)
const ChatSettings = memo(ChatSettingsForm)
const MessageSearchPanel = memo(SearchPanel)
const PinBar = memo(Pins)
const LiveAnnouncer = memo(Announcer)
const Composer = memo(ComposerForm)
const MessageList = memo(List)
const QuestionsView = memo(Questions)

const CONNECTION_TEXT: Partial<Record<ConnectionState, string>> = {
  connecting: 'Connecting…',
  interrupted: 'Reconnecting… messages you send will go out when the connection is back.',
  closed: 'Disconnected from the call.',
  // Leave takes the person to the join screen with their name and the room filled in.
  expired: 'Your session has expired. Leave, then join the room again to keep chatting.',
}

/** Whom a private message can go to: everyone in the call but this user (once each). */
function recipientsOf(participants: readonly ChatParticipant[]): Recipient[] {
  const self = participants.find((person) => person.local)?.userId
  const seen = new Set<string>()
  return participants.flatMap((person) => {
    if (person.userId === self || seen.has(person.userId)) return []
    seen.add(person.userId)
    return [{ id: person.userId, name: person.userName, label: person.label }]
  })
}

/** Whether a drag carries files (not text or a link being dragged about the page). */
const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files')

/**
 * The chat beside the call: participants, the transcript download, then two views as tabs: the
 * conversation (who is typing, the composer) and the room's questions. Files dropped anywhere on it go to the composer. Which message is being
 * edited is kept here, as both a message's menu and the composer (Up arrow) can start editing.
 */
export function ChatColumn({
  client,
  api,
}: {
  client: ChatClient
  /** The chat function for this room (uploads go through it). */
  api: RoomApi
}) {
  // The participants only: a new sender changes the people, not the column.
  const participants = useStore(client.people, (people) => people.participants)
  const connectionState = useStore(client.connection)
  const history = useStore(client.history)
  const questionCount = useStore(client.questions, (board) => board.questions.length)
  const connection = CONNECTION_TEXT[connectionState]
  const attachments = useAttachments(api)
  const { editing, actions, editLatest } = useMessageEditing(client)
  const [dragging, setDragging] = useState(false)
  // The same functions from one render to the next: every message row gets them, and a new one
  // would re-render every row on each snapshot (a message, a typing notice, a page of history).
  const loadOlder = useCallback(() => void client.loadOlder(), [client])
  const retry = useCallback((id: string) => client.retry(id), [client])
  const [goTo, setGoTo] = useState<{ id: string }>()
  const goToMessage = useCallback((id: string) => setGoTo({ id }), [])
  const saveSettings = useCallback(
    (settings: Parameters<ChatClient['saveSettings']>[0]) => client.saveSettings(settings),
    [client],
  )
  const send = useCallback<ChatClient['send']>(
    (text, files, previews, mentions, to) => client.send(text, files, previews, mentions, to),
    [client],
  )
  const input = useCallback<ChatClient['inputChanged']>(
    (text, to) => client.inputChanged(text, to),
    [client],
  )
  const recipients = useMemo(() => recipientsOf(participants), [participants])
  const tools = useCallback(
    (disabled: boolean) =>
      COMPOSER_TOOLS.map((Tool, index) => (
        // The registry's order never changes: the index is each tool's key.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above.
        <Tool key={index} client={client} disabled={disabled} />
      )),
    [client],
  )
  useMentionAlerts(client.arrivals, client.alertSettings)

  function dragOver(event: DragEvent) {
    if (!carriesFiles(event)) return
    // Accepting the drop: without this the browser would open the file instead.
    event.preventDefault()
    event.dataTransfer.dropEffect = 'copy'
    setDragging(true)
  }

  function dragLeave(event: DragEvent) {
    // Moving between the column's own elements is no leaving.
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false)
  }

  function drop(event: DragEvent) {
    if (!carriesFiles(event)) return
    event.preventDefault()
    setDragging(false)
    attachments.add([...event.dataTransfer.files])
  }

  return (
    <aside
      className="bc-chat-column"
      aria-label="Chat"
      onDragEnter={dragOver}
      onDragOver={dragOver}
      onDragLeave={dragLeave}
      onDrop={drop}
    >
      <ParticipantList participants={participants} />
      <RetentionNotice rules={client.rules} />
      <TranscriptDownload api={api} recording={client.recording} />
      <NotificationSettings settings={client.alertSettings} />
      {client.rules.getSnapshot().owner && (
        <ChatSettings rules={client.rules} onSave={saveSettings} />
      )}
      <MessageSearchPanel search={client.search} onGoTo={goToMessage} />
      <PinBar pins={client.pins} onGoTo={goToMessage} />
      {connection && (
        <p className="bc-connection" role={connectionState === 'expired' ? 'alert' : 'status'}>
          {connection}
        </p>
      )}
      {history.error && (
        <p className="bc-error" role="alert">
          Could not load earlier messages: {history.error}
        </p>
      )}
      <ColumnTabs
        label="Chat and questions"
        tabs={[
          {
            label: 'Chat',
            panel: (
              <>
                <MessageList
                  client={client}
                  hasOlder={history.hasOlder}
                  loadingOlder={history.loading && history.loaded}
                  onLoadOlder={loadOlder}
                  onRetry={retry}
                  actions={actions}
                  editing={editing}
                  onReply={client.replyDraft.start}
                  onReveal={client.reveal}
                  goTo={goTo}
                />
                <TypingLine client={client} />
                <Composer
                  onSend={send}
                  onInput={input}
                  attachments={attachments}
                  onEditLast={editLatest}
                  reply={client.replyDraft}
                  mentionCandidates={client.mentionCandidates}
                  rules={client.rules}
                  recipients={recipients}
                  tools={tools}
                />
              </>
            ),
          },
          {
            label: `Questions (${questionCount})`,
            panel: <QuestionsView board={client.questions} rules={client.rules} />,
          },
        ]}
      />
      {/* Outside the views: news of either reaches screen readers whichever is shown. */}
      <LiveAnnouncer arrivals={client.arrivals} />
      <QuestionsAnnouncer board={client.questions} />
      {dragging && <div className="bc-drop-hint">Drop files to attach</div>}
    </aside>
  )
}

/** Who is typing: the one part of the column a typing notice renders again. */
function TypingLine({ client }: { client: ChatClient }) {
  const line = useStore(client.typing)
  return (
    <p className="bc-typing" aria-live="polite">
      {line}
    </p>
  )
}

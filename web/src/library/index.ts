/**
 * Backchannel as a module for any React app on Daily: `<BackchannelChat>` (or `useBackchannel()`
 * with `<ChatPanel>`) inside the host's `DailyProvider`, the components it is made of, the local
 * relay transport, and the client core. Styles: `backchannel/styles.css`, scoped to `.backchannel`.
 */
// First: zod must know it may not compile parsers (a host's Content-Security-Policy may refuse
// eval) before the protocol's schemas are built.
import './engine/zod-jitless.ts'

export { ChatApiError, createChatApi, type RoomApi } from './engine/chat-api.ts'
export { ChatClient, type ChatParticipant, type ChatSnapshot } from './engine/chat-client.ts'
export {
  type ChatTransport,
  type ConnectionState,
  type Participant,
  TransportError,
  type TransportEvents,
} from './engine/live-channel.ts'
export type { PeopleSnapshot } from './engine/people.ts'
export type { MessageView, TimelineMessage } from './engine/timeline.ts'
export type {
  QuestionBoard,
  QuestionBoardState,
  QuestionNews,
} from './features/questions/engine.ts'
export { BackchannelChat, type BackchannelChatProps } from './react/backchannel-chat.tsx'
export { ChatColumn } from './react/chat-column.tsx'
export { ChatPanel } from './react/chat-panel.tsx'
export { Composer } from './react/composer.tsx'
export { type MeetingTokenHolder, readMeetingToken } from './react/meeting-token.ts'
export { MessageList } from './react/message-list.tsx'
export { ParticipantList } from './react/participant-list.tsx'
export { TranscriptDownload } from './react/transcript-download.tsx'
export { type BackchannelOptions, useBackchannel } from './react/use-backchannel.ts'
export {
  type Backchannel,
  type BackchannelStatus,
  type ChatSessionOptions,
  type TransportSource,
  useChatSession,
} from './react/use-chat-session.ts'
export { useStore } from './react/use-store.ts'
export { createDailyTransport } from './transports/daily-transport.ts'
export { createRelayTransport, type RelayTransportOptions } from './transports/relay-transport.ts'

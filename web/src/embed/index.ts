/**
 * Backchannel as a module for any React app on Daily: `<BackchannelChat>` (or `useBackchannel()`
 * with `<ChatPanel>`) inside the host's `DailyProvider`, the components it is made of, the local
 * relay transport, and the client core. Styles: `backchannel/styles.css`, scoped to `.backchannel`.
 */
// First: zod must know it may not compile parsers (a host's Content-Security-Policy may refuse
// eval) before the protocol's schemas are built.
import '../zod-jitless.ts'

export { ChatColumn } from '../components/chat-column.tsx'
export { Composer } from '../components/composer.tsx'
export { MessageList } from '../components/message-list.tsx'
export { ParticipantList } from '../components/participant-list.tsx'
export { TranscriptDownload } from '../components/transcript-download.tsx'
export { ChatApiError, createChatApi, type RoomApi } from '../core/chat-api.ts'
export { ChatClient, type ChatParticipant, type ChatSnapshot } from '../core/chat-client.ts'
export {
  type ChatTransport,
  type ConnectionState,
  type Participant,
  TransportError,
  type TransportEvents,
} from '../core/live-channel.ts'
export { createDailyTransport } from '../daily/daily-transport.ts'
export { createRelayTransport, type RelayTransportOptions } from '../transport/relay-transport.ts'
export { BackchannelChat, type BackchannelChatProps } from './backchannel-chat.tsx'
export { ChatPanel } from './chat-panel.tsx'
export { type MeetingTokenHolder, readMeetingToken } from './meeting-token.ts'
export { type BackchannelOptions, useBackchannel } from './use-backchannel.ts'
export {
  type Backchannel,
  type BackchannelStatus,
  type ChatSessionOptions,
  type TransportSource,
  useChatSession,
} from './use-chat-session.ts'

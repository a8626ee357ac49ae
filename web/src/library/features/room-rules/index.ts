// Room rules in the column: the owners' "Chat settings" form, and how long the room keeps its chat.
export { ChatSettings } from './chat-settings.tsx'
export { RetentionNotice } from './retention-notice.tsx'

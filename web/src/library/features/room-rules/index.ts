// Room rules in the column: the owners' "Chat settings" form.
export { ChatSettings } from './chat-settings.tsx'

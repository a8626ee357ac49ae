// Mentions in the column: the row's mark, the alert's settings and the alert itself.
export { mentionRow } from './mention-row.tsx'
export { NotificationSettings } from './notification-settings.tsx'
export { useMentionAlerts } from './use-mention-alerts.ts'

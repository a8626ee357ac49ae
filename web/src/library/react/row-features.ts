import { editingRow } from '../features/editing/editing-row.tsx'
import { mentionRow } from '../features/mentions/mention-row.tsx'
import { pinRow } from '../features/pins/pin-row.tsx'
import { pollRow } from '../features/polls/poll-row.tsx'
import { privateMessageRow } from '../features/private-messages/private-row.tsx'
import { reactionRow } from '../features/reactions/reaction-row.tsx'
import { replyRow } from '../features/replies/reply-row.tsx'
import { reportRow } from '../features/reports/report-row.tsx'
import type { RowFeature } from './message-row.ts'

/**
 * Every feature's part of a message row, registered here once (a new feature: one line). The
 * order is the order their badges, headers and footers show in; menu items have their own order.
 */
export const ROW_FEATURES: readonly RowFeature[] = [
  privateMessageRow,
  mentionRow,
  replyRow,
  editingRow,
  pollRow,
  reportRow,
  pinRow,
  reactionRow,
]

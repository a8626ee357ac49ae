import { editingRow } from '../features/editing/index.ts'
import { mentionRow } from '../features/mentions/index.ts'
import { pinRow } from '../features/pins/index.ts'
import { pollRow } from '../features/polls/index.ts'
import { privateMessageRow } from '../features/private-messages/index.ts'
import { reactionRow } from '../features/reactions/index.ts'
import { replyRow } from '../features/replies/index.ts'
import { reportRow } from '../features/reports/index.ts'
import type { RowFeature } from './message-row.ts'

/**
 * Every feature's part of a message row, registered here once from its folder's index.ts (a new
 * feature: one line). The order is the order their badges, headers and footers show in; menu
 * items have their own order.
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

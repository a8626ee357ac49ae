import type { RowFeature } from '../../react/message-row.ts'

/** A message that mentions the reader is marked and says so. */
export const mentionRow: RowFeature = {
  useRow(message) {
    if (!message.mentionsMe || message.deleted) return {}
    return { className: 'bc-mentions-me', badge: <p className="bc-mention-badge">Mentions you</p> }
  },
}

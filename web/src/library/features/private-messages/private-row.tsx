import type { RowFeature } from '../../react/message-row.ts'

/** A private message stands apart in the row: marked, and labelled with whom it is between. */
export const privateMessageRow: RowFeature = {
  useRow(message) {
    if (!message.to || message.deleted) return {}
    return {
      className: 'bc-private',
      badge: (
        <p className="bc-private-badge">
          {message.own
            ? `Private to ${message.toName ?? 'one person'}`
            : `Private from ${message.sender.name}`}
        </p>
      ),
    }
  },
}

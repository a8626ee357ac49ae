import type { RowFeature } from '../../react/message-row.ts'

/** A pinned message says so; owners pin and unpin from its menu. */
export const pinRow: RowFeature = {
  useRow(message, { actions }) {
    const pinned = message.pinnedAt !== undefined
    return {
      footer: pinned && !message.deleted && <p className="bc-message-pinned">Pinned</p>,
      actions: actions.canPin(message)
        ? [
            {
              label: pinned ? 'Unpin' : 'Pin',
              order: 40,
              keepsFocus: true,
              run: () => actions.pin(message.id, !pinned),
              failure: (error) => `Could not ${pinned ? 'unpin' : 'pin'} the message: ${error}`,
            },
          ]
        : [],
    }
  },
}

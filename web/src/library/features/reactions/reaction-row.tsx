import type { RowFeature } from '../../react/message-row.ts'
import { useMessageReactions } from './message-reactions.tsx'

/** A message's reactions under it, and Add reaction (in the bar and the menu). */
export const reactionRow: RowFeature = {
  useRow(message, { actions }) {
    const reactions = useMessageReactions(message, actions)
    return {
      footer: reactions.view,
      actions: reactions.canReact
        ? [
            {
              label: 'Add reaction',
              order: 10,
              bar: { symbol: '☺+', className: 'bc-message-react-button' },
              run: (from) => {
                reactions.open(from)
                return undefined
              },
            },
          ]
        : [],
    }
  },
}

import type { RowFeature } from '../../react/message-row.ts'
import { PollView } from './poll-view.tsx'

/** A poll shows its options under its question. */
export const pollRow: RowFeature = {
  useRow(message, { client }) {
    if (!message.poll || message.deleted) return {}
    return {
      className: 'bc-has-poll',
      afterText: <PollView message={message} polls={client.polls} />,
    }
  },
}

import { useReplyQuote } from '../../react/chat-context.ts'
import type { MessageAction, RowFeature } from '../../react/message-row.ts'
import { canReply } from './reply-draft.ts'
import { ReplyQuote } from './reply-quote.tsx'

/** A reply shows what it answers above its text; every message offers Reply. */
export const replyRow: RowFeature = {
  useRow(message, { onReply, onGoToQuote }) {
    const quote = useReplyQuote(message.deleted ? undefined : message.replyTo)
    const reply: MessageAction | undefined =
      onReply && canReply(message)
        ? {
            label: 'Reply',
            order: 20,
            bar: { symbol: '↩', className: 'bc-message-reply-button' },
            run: () => {
              onReply(message)
              return undefined
            },
          }
        : undefined
    return {
      header: quote && <ReplyQuote quote={quote} onGo={(id) => onGoToQuote?.(id)} />,
      actions: reply ? [reply] : [],
    }
  },
}

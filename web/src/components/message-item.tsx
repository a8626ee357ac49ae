import { memo } from 'react'
import { linkify } from '../core/linkify.ts'
import type { TimelineMessage } from '../core/timeline.ts'
import { MessageAttachments } from './message-attachments.tsx'

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })

const STATUS_TEXT: Partial<Record<TimelineMessage['status'], string>> = {
  sending: 'Sending…',
  retrying: 'not saved — retrying',
  failed: 'not saved',
  'not-saved': 'not saved',
}

/**
 * One message: sender and time (unless it continues a group), text, files, and its saving state.
 * A message of files alone has no text element.
 */
export const MessageItem = memo(function MessageItem({
  message,
  continued,
  onRetry,
}: {
  message: TimelineMessage
  /** Same sender as the message before, shortly after it: the header is left out. */
  continued: boolean
  onRetry: (id: string) => void
}) {
  const status = STATUS_TEXT[message.status]
  return (
    <div
      className={`message${continued ? ' continued' : ''}${message.own ? ' own' : ''}`}
      data-status={message.status}
    >
      {!continued && (
        <div className="message-header">
          <span className="message-sender">{message.sender.name}</span>{' '}
          <time dateTime={message.createdAt}>{timeFormat.format(new Date(message.createdAt))}</time>
        </div>
      )}
      {message.body !== '' && (
        <div className="message-body" data-testid="message-body">
          {linkify(message.body).map((part, index) =>
            part.kind === 'link' ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: parts never move within a message.
              <a key={index} href={part.href} target="_blank" rel="noopener noreferrer">
                {part.text}
              </a>
            ) : (
              part.text
            ),
          )}
        </div>
      )}
      {message.attachments.length > 0 && (
        <MessageAttachments attachments={message.attachments} stored={message.status === 'saved'} />
      )}
      {status && (
        <div className="message-status" title={message.error}>
          {status}
          {message.status === 'failed' && (
            <button type="button" onClick={() => onRetry(message.id)}>
              Retry
            </button>
          )}
        </div>
      )}
    </div>
  )
})

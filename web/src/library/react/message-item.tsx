import { memo } from 'react'
import type { Result } from '../engine/result.ts'
import type { TimelineMessage } from '../engine/timeline.ts'
import { MessageEditor } from '../features/editing/message-editor.tsx'
import {
  type ReactionHandlers,
  useMessageReactions,
} from '../features/reactions/message-reactions.tsx'
import { canReply } from '../features/replies/reply-draft.ts'
import { ReplyQuote } from '../features/replies/reply-quote.tsx'
import { MessageAttachments } from '../features/uploads/message-attachments.tsx'
import { Avatar } from './avatar.tsx'
import { usePresentedMessage, useReplyQuote } from './chat-context.ts'
import { CollapsibleBody } from './collapsible-body.tsx'
import { MessageActions } from './message-actions.tsx'
import { MessageBody } from './message-body.tsx'

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const editedFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

const STATUS_TEXT: Partial<Record<TimelineMessage['status'], string>> = {
  sending: 'Sending…',
  retrying: 'not saved — retrying',
  failed: 'not saved',
  'not-saved': 'not saved',
}

/** What this user may do with messages, and how (the chat column binds these to the client). */
export interface MessageActionHandlers extends ReactionHandlers {
  can: (action: 'edit' | 'remove', message: TimelineMessage) => boolean
  /** Starts editing a message; focus goes back to `from` when editing ends. */
  startEditing: (id: string, from: HTMLElement | null) => void
  changeDraft: (text: string) => void
  /** Saves the new text; editing ends if it worked. */
  saveEdit: (id: string, text: string) => Promise<Result>
  cancelEdit: () => void
  /** Whether the editor should take focus (once per editing). */
  takeFocus: () => boolean
  remove: (id: string) => Promise<Result>
  canReport: (message: TimelineMessage) => boolean
  /** Reports someone else's message with a reason. */
  report: (id: string, reason: string) => Promise<Result>
  /** Whether this user reported the message. */
  reported: (id: string) => boolean
  /** For a room owner: how many open reports the message has (0 for everyone else). */
  openReports: (id: string) => number
  /** Whether this user may pin or unpin the message (a room owner). */
  canPin: (message: TimelineMessage) => boolean
  pin: (id: string, on: boolean) => Promise<Result>
}

/**
 * One message: sender and time (unless it continues a group), the quote of what it replies to,
 * text, files, its saving state, and a menu to reply to it, or edit or delete it where this user
 * may. A message of files alone has no text element; a deleted one keeps its place as "Message
 * deleted".
 */
export const MessageItem = memo(function MessageItem({
  message: stored,
  continued,
  onRetry,
  actions,
  editing,
  onReply,
  onGoToQuote,
}: {
  /** As the timeline has it: the row names its sender and who reacted itself. */
  message: TimelineMessage
  /** Same sender as the message before, shortly after it: the header is left out. */
  continued: boolean
  onRetry: (id: string) => void
  actions: MessageActionHandlers
  /** While this message is edited: the text being typed, and a count of editing starts. */
  editing?: { text: string; started: number }
  /** Starts a reply to a message (its Reply action); absent where replies are not offered. */
  onReply?: (message: TimelineMessage) => void
  /** Goes to the message a quote shows (scrolling to it, older pages loaded if need be). */
  onGoToQuote?: (id: string) => void
}) {
  // Before the early return below: hooks run on every render.
  const message = usePresentedMessage(stored)
  const quote = useReplyQuote(stored.deleted ? undefined : stored.replyTo)
  const reactions = useMessageReactions(message, actions)
  const status = STATUS_TEXT[message.status]
  const header = !continued && (
    <div className="message-header">
      <Avatar user={message.sender} />
      <span className="message-sender">{message.sender.name}</span>{' '}
      <time dateTime={message.createdAt}>{timeFormat.format(new Date(message.createdAt))}</time>
    </div>
  )

  if (message.deleted) {
    return (
      <div className={`message deleted${continued ? ' continued' : ''}`}>
        {header}
        <p className="message-deleted">Message deleted</p>
      </div>
    )
  }

  const body = message.body !== '' && (
    <MessageBody text={message.body} mentions={message.mentions} />
  )
  // Without the label the text element stands alone, so that finding a message by its exact text
  // finds one element, not also a wrapper with the same text.
  const text = message.editedAt ? (
    <div className="message-text">
      {body}{' '}
      <span
        className="message-edited"
        title={`Edited ${editedFormat.format(new Date(message.editedAt))}`}
      >
        edited
      </span>
    </div>
  ) : (
    body
  )
  const canEdit = actions.can('edit', message)
  const canRemove = actions.can('remove', message)
  const reported = actions.reported(message.id)
  const pin = actions.canPin(message)
    ? () => actions.pin(message.id, message.pinnedAt === undefined)
    : undefined
  const report =
    !reported && actions.canReport(message)
      ? (reason: string) => actions.report(message.id, reason)
      : undefined
  const reply = onReply && canReply(message) ? () => onReply(message) : undefined
  const editor = editing && canEdit ? editing : undefined
  return (
    <div
      className={`message${continued ? ' continued' : ''}${message.own ? ' own' : ''}${
        message.mentionsMe ? ' mentions-me' : ''
      }${message.to ? ' private' : ''}${canEdit || canRemove || reply || reactions.canReact || report || pin ? ' actionable' : ''}`}
      data-status={message.status}
    >
      {header}
      {message.to && (
        <p className="private-badge">
          {message.own
            ? `Private to ${message.toName ?? 'one person'}`
            : `Private from ${message.sender.name}`}
        </p>
      )}
      {message.mentionsMe && <p className="mention-badge">Mentions you</p>}
      {quote && <ReplyQuote quote={quote} onGo={(id) => onGoToQuote?.(id)} />}
      {editor ? (
        <MessageEditor
          text={editor.text}
          started={editor.started}
          original={message.body}
          onChange={actions.changeDraft}
          onSave={(text) => actions.saveEdit(message.id, text)}
          onCancel={actions.cancelEdit}
          takeFocus={actions.takeFocus}
        />
      ) : (
        text && (
          // A very tall text is cut off at a few screens behind "Show more".
          <CollapsibleBody messageId={message.id} text={message.body}>
            {text}
          </CollapsibleBody>
        )
      )}
      {message.attachments.length > 0 && (
        <MessageAttachments attachments={message.attachments} stored={message.status === 'saved'} />
      )}
      {status && (
        <div className="message-status" title={message.error}>
          {status}
          {/* Given up on: the reason is what the sender needs (blocked, too long), not a tooltip. */}
          {message.status === 'failed' && message.error && (
            <span className="message-status-reason">{message.error}</span>
          )}
          {message.status === 'failed' && (
            <button type="button" onClick={() => onRetry(message.id)}>
              Retry
            </button>
          )}
        </div>
      )}
      {reported && <p className="message-reported">Reported</p>}
      {actions.openReports(message.id) > 0 && (
        <p className="message-reported owner">
          Reported by {actions.openReports(message.id)}{' '}
          {actions.openReports(message.id) === 1 ? 'person' : 'people'}
        </p>
      )}
      {message.pinnedAt && <p className="message-pinned">Pinned</p>}
      {reactions.view}
      {(canEdit || canRemove || reply || reactions.canReact || report || pin) && (
        <MessageActions
          canEdit={canEdit}
          canRemove={canRemove}
          hidden={editor !== undefined}
          onEdit={(from) => actions.startEditing(message.id, from)}
          onRemove={() => actions.remove(message.id)}
          onReply={reply}
          onAddReaction={reactions.canReact ? reactions.open : undefined}
          onReport={report}
          onPin={pin}
          pinned={message.pinnedAt !== undefined}
        />
      )}
    </div>
  )
})

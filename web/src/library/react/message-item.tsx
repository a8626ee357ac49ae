import { Fragment, memo, type ReactNode } from 'react'
import type { Result } from '../engine/result.ts'
import type { TimelineMessage } from '../engine/timeline.ts'
import type { ReactionHandlers } from '../features/reactions/message-reactions.tsx'
import { MessageAttachments } from '../features/uploads/message-attachments.tsx'
import { Avatar } from './avatar.tsx'
import { useChatClient, usePresentedMessage } from './chat-context.ts'
import { CollapsibleBody } from './collapsible-body.tsx'
import { MessageActions } from './message-actions.tsx'
import { MessageBody } from './message-body.tsx'
import type { MessageAction, RowPart } from './message-row.ts'
import { ROW_FEATURES } from './row-features.ts'

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
 * One message: sender and time (unless it continues a group), its text, files and saving state,
 * and whatever the registered features add (ROW_FEATURES: badges, the quote of what it replies
 * to, the editor, reactions, marks, and the actions of its menu). A message of files alone has no
 * text element; a deleted one keeps its place as "Message deleted".
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
  const client = useChatClient()
  const message = usePresentedMessage(stored)
  // Before the early return below: every feature's hooks run on every render, in one order.
  const context = { client, actions, onReply, editing, onGoToQuote }
  const parts: RowPart[] = ROW_FEATURES.map((feature) =>
    // biome-ignore lint/correctness/useHookAtTopLevel: ROW_FEATURES is a constant list, so its hooks run in the same order on every render.
    feature.useRow(message, context),
  )
  const status = message.pending ? 'Waiting for approval' : STATUS_TEXT[message.status]
  const header = !continued && (
    <div className="bc-message-header">
      <Avatar user={message.sender} />
      <span className="bc-message-sender">{message.sender.name}</span>{' '}
      <time dateTime={message.createdAt}>{timeFormat.format(new Date(message.createdAt))}</time>
    </div>
  )

  if (message.deleted) {
    return (
      <div className={`bc-message bc-deleted${continued ? ' bc-continued' : ''}`}>
        {header}
        <p className="bc-message-deleted">Message deleted</p>
      </div>
    )
  }

  const body = message.body !== '' && (
    <MessageBody text={message.body} mentions={message.mentions} />
  )
  // Without the label the text element stands alone, so that finding a message by its exact text
  // finds one element, not also a wrapper with the same text.
  const text = message.editedAt ? (
    <div className="bc-message-text">
      {body}{' '}
      <span
        className="bc-message-edited"
        title={`Edited ${editedFormat.format(new Date(message.editedAt))}`}
      >
        edited
      </span>
    </div>
  ) : (
    body
  )
  const offered: MessageAction[] = parts.flatMap((part) => part.actions ?? [])
  const replacement = parts.find((part) => part.replacesText)?.replacesText
  const classes = [
    'bc-message',
    continued && 'bc-continued',
    message.own && 'bc-own',
    ...parts.map((part) => part.className),
    offered.length > 0 && 'bc-actionable',
  ]
  return (
    <div className={classes.filter(Boolean).join(' ')} data-status={message.status}>
      {header}
      {slot(parts, 'badge')}
      {slot(parts, 'header')}
      {replacement ??
        (text && (
          // A very tall text is cut off at a few screens behind "Show more".
          <CollapsibleBody messageId={message.id} text={message.body}>
            {text}
          </CollapsibleBody>
        ))}
      {slot(parts, 'afterText')}
      {message.attachments.length > 0 && (
        <MessageAttachments attachments={message.attachments} stored={message.status === 'saved'} />
      )}
      {status && (
        <div className="bc-message-status" title={message.error}>
          {status}
          {/* Given up on: the reason is what the sender needs (blocked, too long), not a tooltip. */}
          {message.status === 'failed' && message.error && (
            <span className="bc-message-status-reason">{message.error}</span>
          )}
          {message.status === 'failed' && (
            <button type="button" onClick={() => onRetry(message.id)}>
              Retry
            </button>
          )}
        </div>
      )}
      {slot(parts, 'footer')}
      {offered.length > 0 && (
        <MessageActions actions={offered} hidden={replacement !== undefined} />
      )}
    </div>
  )
})

/** The features' pieces for one place of the row, in the registry's order. */
function slot(
  parts: readonly RowPart[],
  place: 'badge' | 'header' | 'afterText' | 'footer',
): ReactNode {
  return parts.map((part, index) => (
    // The registry's order never changes: the index is each feature's key.
    // biome-ignore lint/suspicious/noArrayIndexKey: see above.
    <Fragment key={index}>{part[place]}</Fragment>
  ))
}

import type { ReplyTarget } from './reply-draft.ts'

/**
 * Above the Message field while a reply is being written: "Replying to Ana" and the first line of
 * Ana's message, with a close button (Esc in the field does the same). `id` lets the field name it
 * as its description, so a screen reader says what the message will answer.
 */
export function ReplyBanner({
  id,
  target,
  onCancel,
}: {
  id: string
  target: ReplyTarget
  onCancel: () => void
}) {
  return (
    <div className="bc-reply-banner" id={id}>
      <span className="bc-reply-banner-bar" aria-hidden="true" />
      <span className="bc-reply-banner-what">
        <span className="bc-reply-banner-to">
          {target.privately ? 'Replying privately to' : 'Replying to'} {target.senderName}
        </span>
        {target.text && <span className="bc-reply-banner-text">{target.text}</span>}
      </span>
      <button
        type="button"
        className="bc-reply-banner-cancel"
        aria-label="Cancel reply"
        title="Cancel reply (Esc)"
        onClick={onCancel}
      >
        <span aria-hidden="true">×</span>
      </button>
    </div>
  )
}

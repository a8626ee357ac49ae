/**
 * The quick actions a message shows on hover and keyboard focus, before its "Message actions"
 * menu button: React (opens the reaction picker) and Reply. They are plain buttons, so Tab from
 * the message reaches them; the menu offers the same actions as menu items.
 */
export function MessageActionBar({
  onAddReaction,
  onReply,
}: {
  /** Opens the reaction picker; focus goes back to `from` when it closes. Absent: no reactions. */
  onAddReaction?: (from: HTMLElement | null) => void
  /** Replies to the message (the composer takes focus); absent where replying is not offered. */
  onReply?: () => void
}) {
  return (
    <>
      {onAddReaction && (
        <button
          type="button"
          className="message-menu-button message-react-button"
          aria-label="Add reaction"
          title="Add reaction"
          onClick={(event) => onAddReaction(event.currentTarget)}
        >
          <span aria-hidden="true">☺+</span>
        </button>
      )}
      {onReply && (
        <button
          type="button"
          className="message-menu-button message-reply-button"
          aria-label="Reply"
          title="Reply"
          onClick={onReply}
        >
          <span aria-hidden="true">↩</span>
        </button>
      )}
    </>
  )
}

import type { MessageAction } from './message-row.ts'

/**
 * The quick actions a message shows on hover and keyboard focus, before its "Message actions"
 * menu button: those with a `bar` (React, which opens the reaction picker, and Reply). They are
 * plain buttons, so Tab from the message reaches them; the menu offers the same actions as items.
 */
export function MessageActionBar({
  actions,
  onChoose,
}: {
  actions: readonly MessageAction[]
  /** Runs an action; focus goes back to `from` where the action hands it back. */
  onChoose: (action: MessageAction, from: HTMLElement | null) => void
}) {
  return (
    <>
      {actions.map(
        (action) =>
          action.bar && (
            <button
              key={action.label}
              type="button"
              className={`bc-message-menu-button ${action.bar.className}`}
              aria-label={action.label}
              title={action.label}
              onClick={(event) => onChoose(action, event.currentTarget)}
            >
              <span aria-hidden="true">{action.bar.symbol}</span>
            </button>
          ),
      )}
    </>
  )
}

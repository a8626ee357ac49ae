import { useId } from 'react'
import type { TimelineReaction } from '../../engine/timeline.ts'
import { reactedWith } from './reactions.ts'

/**
 * A message's reactions as chips: each a toggle button named by its emoji and count ("👍 2"),
 * pressed when this user is among those who reacted, described (and titled) by who did.
 */
export function ReactionChips({
  reactions,
  onToggle,
  disabled,
}: {
  reactions: readonly TimelineReaction[]
  /** Adds (`on`) or takes back this user's reaction. */
  onToggle: (emoji: string, on: boolean) => void
  /** The message cannot take reactions (now): the chips only show them. */
  disabled: boolean
}) {
  const id = useId()
  return (
    <fieldset className="bc-reactions" aria-label="Reactions">
      {reactions.map((reaction, index) => {
        const who = reactedWith(reaction)
        const describedBy = `${id}-${index}`
        return (
          <span key={reaction.emoji} className="bc-reaction">
            <button
              type="button"
              className="bc-reaction-chip"
              aria-pressed={reaction.mine === true}
              aria-describedby={describedBy}
              title={who}
              disabled={disabled}
              onClick={() => onToggle(reaction.emoji, reaction.mine !== true)}
            >
              <span className="bc-reaction-emoji">{reaction.emoji}</span>{' '}
              <span className="bc-reaction-count">{reaction.count}</span>
            </button>
            {/* Outside the button, so that it describes the chip without joining its name. */}
            <span id={describedBy} hidden>
              {who}
            </span>
          </span>
        )
      })}
    </fieldset>
  )
}

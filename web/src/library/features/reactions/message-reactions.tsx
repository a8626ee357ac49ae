import { type ReactNode, useCallback, useRef, useState } from 'react'
import type { Result } from '../../engine/result.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { ReactionChips } from './reaction-chips.tsx'
import { ReactionPicker } from './reaction-picker.tsx'

export interface ReactionHandlers {
  canReact: (message: TimelineMessage) => boolean
  react: (id: string, emoji: string, on: boolean) => Promise<Result>
}

/**
 * A message's reactions: its chips, the picker (opened from the message's Add reaction button or
 * menu item, with `open(from)`; focus goes back to `from` when it closes), and why a reaction
 * failed. `view` goes under the message.
 */
export function useMessageReactions(
  message: TimelineMessage,
  handlers: ReactionHandlers,
): { canReact: boolean; open: (from: HTMLElement | null) => void; view: ReactNode } {
  const [picking, setPicking] = useState(false)
  const [error, setError] = useState<string>()
  const returnTo = useRef<HTMLElement | null>(null)
  const chips = useRef<HTMLDivElement>(null)
  const canReact = !message.deleted && handlers.canReact(message)

  const open = useCallback((from: HTMLElement | null) => {
    returnTo.current = from
    setError(undefined)
    setPicking(true)
  }, [])

  const close = useCallback(() => {
    setPicking(false)
    returnTo.current?.focus()
  }, [])

  async function toggle(emoji: string, on: boolean) {
    setError(undefined)
    const result = await handlers.react(message.id, emoji, on)
    if (!result.ok) setError(result.error)
    // The last chip of an emoji goes with its reaction: focus stays with the message.
    if (document.activeElement === document.body) {
      chips.current
        ?.closest('.bc-message')
        ?.querySelector<HTMLElement>('.bc-reaction-chip, .bc-message-react-button')
        ?.focus()
    }
  }

  function pick(emoji: string) {
    const mine = message.reactions?.some((reaction) => reaction.emoji === emoji && reaction.mine)
    close()
    void toggle(emoji, !mine)
  }

  const reactions = message.deleted ? [] : (message.reactions ?? [])
  const shown = (picking && canReact) || reactions.length > 0 || error !== undefined
  const view = shown && (
    <div ref={chips} className="bc-message-reactions">
      {picking && canReact && <ReactionPicker onPick={pick} onClose={close} />}
      {reactions.length > 0 && (
        <ReactionChips
          reactions={reactions}
          disabled={!canReact}
          onToggle={(emoji, on) => void toggle(emoji, on)}
        />
      )}
      {error && (
        <p role="alert" className="bc-error bc-message-error">
          Could not react: {error}
        </p>
      )}
    </div>
  )
  return { canReact, open, view }
}

import { type KeyboardEvent, lazy, Suspense, useEffect, useRef, useState } from 'react'
import { QUICK_REACTIONS } from './reactions.ts'

// The full picker is its own chunk, fetched the first time someone asks for more emoji: the entry
// bundle carries only the quick row. (frimousse, with its emoji data, see emoji-picker.tsx.)
const EmojiPicker = lazy(() => import('./emoji-picker.tsx'))

/**
 * "Add reaction": the quick row (👍 ❤️ 😂 🎉 😮 🙏, each a button named by its emoji) and "More
 * emoji", which opens the full picker. Escape or a click elsewhere closes it; picking closes it too.
 * Focus starts on the first emoji and goes back where it came from (the caller's `onClose`).
 */
export function ReactionPicker({
  onPick,
  onClose,
}: {
  onPick: (emoji: string) => void
  onClose: () => void
}) {
  const [full, setFull] = useState(false)
  const root = useRef<HTMLDivElement>(null)

  useEffect(() => {
    root.current?.querySelector<HTMLButtonElement>('button')?.focus()
  }, [])

  // A click anywhere else closes it, as with a menu.
  useEffect(() => {
    const close = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) onClose()
    }
    document.addEventListener('pointerdown', close)
    return () => document.removeEventListener('pointerdown', close)
  }, [onClose])

  function keyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== 'Escape') return
    event.preventDefault()
    event.stopPropagation()
    onClose()
  }

  return (
    <div
      ref={root}
      className="bc-reaction-picker"
      role="dialog"
      aria-label="Add reaction"
      onKeyDown={keyDown}
    >
      <fieldset className="bc-reaction-quick" aria-label="Quick reactions">
        {QUICK_REACTIONS.map((emoji) => (
          <button
            key={emoji}
            type="button"
            className="bc-reaction-option"
            onClick={() => onPick(emoji)}
          >
            {emoji}
          </button>
        ))}
        <button
          type="button"
          className="bc-reaction-more"
          aria-expanded={full}
          onClick={() => setFull((open) => !open)}
        >
          More emoji
        </button>
      </fieldset>
      {full && (
        <Suspense fallback={<p className="bc-reaction-loading">Loading emoji…</p>}>
          <EmojiPicker onPick={onPick} />
        </Suspense>
      )}
    </div>
  )
}

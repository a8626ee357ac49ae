import { type KeyboardEvent, lazy, Suspense, useEffect, useId, useRef, useState } from 'react'
import { ComposerIconButton } from './composer-icon-button.tsx'

// The reactions' full picker (frimousse, with its emoji data): its own chunk, fetched the first
// time someone opens it, as from the reaction picker.
const EmojiPicker = lazy(() => import('../features/reactions/emoji-picker.tsx'))

/**
 * The composer's "Insert emoji" button: it opens every emoji above the Message field (search,
 * categories, skin tones, focus in the search field). Picking one closes it and hands the emoji
 * to `onPick`; Escape closes it and calls `onEscape` (focus back to the field); a click
 * elsewhere closes it too.
 */
export function EmojiButton({
  onPick,
  onEscape,
  disabled,
}: {
  onPick: (emoji: string) => void
  onEscape: () => void
  disabled?: boolean
}) {
  const [open, setOpen] = useState(false)
  const button = useRef<HTMLButtonElement>(null)
  const popup = useRef<HTMLDivElement>(null)
  const id = useId()

  // A click anywhere but the picker and its button closes it, as with a menu (the button
  // toggles it itself).
  useEffect(() => {
    if (!open) return
    const close = (event: PointerEvent) => {
      const target = event.target as Node
      if (!popup.current?.contains(target) && !button.current?.contains(target)) setOpen(false)
    }
    document.addEventListener('pointerdown', close)
    return () => document.removeEventListener('pointerdown', close)
  }, [open])

  function keyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== 'Escape') return
    event.preventDefault()
    event.stopPropagation()
    setOpen(false)
    onEscape()
  }

  return (
    <>
      <ComposerIconButton
        ref={button}
        label="Insert emoji"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        disabled={disabled}
        onClick={() => setOpen((shown) => !shown)}
      >
        <circle cx="12" cy="12" r="10" />
        <path d="M8 14s1.5 2 4 2 4-2 4-2" />
        <path d="M9 9h.01M15 9h.01" />
      </ComposerIconButton>
      {open && (
        <div
          ref={popup}
          id={id}
          className="bc-composer-emoji"
          role="dialog"
          aria-label="Insert emoji"
          onKeyDown={keyDown}
        >
          <Suspense fallback={<p className="bc-reaction-loading">Loading emoji…</p>}>
            <EmojiPicker
              onPick={(emoji) => {
                setOpen(false)
                onPick(emoji)
              }}
            />
          </Suspense>
        </div>
      )}
    </>
  )
}

import { type FocusEvent, type ReactNode, useId, useLayoutEffect, useRef, useState } from 'react'
import { useOverflow } from './use-overflow.ts'

/**
 * Below these a message cannot reach the clamp (`--bc-message-max-height`: two heights of the list,
 * at least 16em) in any column wider than about 20 characters: it renders as before, unmeasured, so
 * the common short message costs nothing.
 */
const MAY_BE_TALL_CHARS = 200
const MAY_BE_TALL_LINE_BREAKS = 5

/** Whether a message's text is long enough that it may be collapsed behind "Show more". */
export function mayBeTall(text: string): boolean {
  if (text.length >= MAY_BE_TALL_CHARS) return true
  let breaks = 0
  for (const char of text) if (char === '\n' && ++breaks >= MAY_BE_TALL_LINE_BREAKS) return true
  return false
}

/**
 * The messages a reader let out, by id: a row the list stops rendering (scrolled far away) comes
 * back as the reader left it, and at the height the list measured for it.
 */
const expandedMessages = new Set<string>()

/**
 * A message's text, cut off at a few screens (`--bc-message-max-height`) with a fade and a "Show
 * more" button when it is taller: a 2,000-line message no longer fills 38,000 px of the column.
 * The button is a real button (Tab, Enter, Space) with `aria-expanded` and `aria-controls`, and it
 * keeps focus when pressed. All the text stays in the page, so screen readers and copying get all
 * of it; a link in the hidden part that takes focus (Tab) lets the message out, so focus is never
 * out of sight. Text too short to ever be cut off (see `mayBeTall`) renders unwrapped.
 */
export function CollapsibleBody({
  messageId,
  text,
  children,
}: {
  messageId: string
  /** The message's text: decides whether it may be tall at all. */
  text: string
  /** The text as rendered. */
  children: ReactNode
}) {
  return mayBeTall(text) ? (
    <Clamp messageId={messageId} text={text}>
      {children}
    </Clamp>
  ) : (
    children
  )
}

function Clamp({
  messageId,
  text,
  children,
}: {
  messageId: string
  text: string
  children: ReactNode
}) {
  const id = useId()
  const clamp = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const [expanded, setExpanded] = useState(() => expandedMessages.has(messageId))
  // Measured again when the text changes, not on every render (children is a new element each
  // time). Let out before (the initial answer, read once): taller than the clamp, so "Show less"
  // must not lose its button (and focus) to a measurement that has not happened yet.
  const overflowing = useOverflow(clamp, !expanded, text, expanded)
  const clipped = !expanded && overflowing

  const showLess = useRef(false)
  const toggle = (expand: boolean) => {
    if (expand) expandedMessages.add(messageId)
    else expandedMessages.delete(messageId)
    showLess.current = !expand
    setExpanded(expand)
  }
  // "Show less" takes away what was above the button, where the reader was: keep the button (and
  // its focus) in view. "Show more" scrolls nothing itself: the text goes on below where the reader
  // is (at the bottom of the list, the list keeps its bottom in view, as for anything that grows).
  useLayoutEffect(() => {
    if (expanded || !showLess.current) return
    showLess.current = false
    button.current?.scrollIntoView({ block: 'nearest' })
  }, [expanded])

  const revealFocused = (event: FocusEvent<HTMLDivElement>) => {
    if (!clipped) return
    // Not all of it shows (a pixel of slack for fractional heights): let the message out.
    const visibleBottom = event.currentTarget.getBoundingClientRect().bottom
    if (event.target.getBoundingClientRect().bottom > visibleBottom + 1) toggle(true)
  }

  return (
    <>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: focus moving in only lets the text out. */}
      <div
        ref={clamp}
        id={id}
        className="bc-message-clamp"
        data-collapsed={expanded ? undefined : ''}
        data-clipped={clipped ? '' : undefined}
        onFocus={revealFocused}
      >
        {children}
      </div>
      {(clipped || expanded) && (
        <button
          ref={button}
          type="button"
          className="bc-message-more"
          aria-expanded={expanded}
          aria-controls={id}
          onClick={() => toggle(!expanded)}
        >
          {expanded ? 'Show less' : 'Show more'}
        </button>
      )}
    </>
  )
}

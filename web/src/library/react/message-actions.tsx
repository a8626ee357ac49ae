import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from 'react'
import type { Result } from '../engine/result.ts'
import { ReportForm } from '../features/reports/report-form.tsx'
import { MessageActionBar } from './message-action-bar.tsx'

const menuItems = (menu: HTMLElement | null) => [
  ...(menu?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []),
]

/**
 * A message's action bar (React and Reply, see MessageActionBar) and its menu ("Message actions"):
 * Add reaction, Reply, Edit, Delete and Report, whichever this user may do. Delete asks
 * again inline before it deletes; Report asks why. The menu follows the ARIA menu button pattern: arrows move
 * between the items, Escape closes it and focus goes back to the button.
 */
export function MessageActions({
  canEdit,
  canRemove,
  hidden,
  onEdit,
  onRemove,
  onReply,
  onAddReaction,
  onReport,
  onPin,
  pinned,
}: {
  canEdit: boolean
  canRemove: boolean
  /** The message is being edited: the button steps aside, but stays for focus to come back to. */
  hidden: boolean
  /** Starts editing; focus comes back to `button` when editing ends. */
  onEdit: (button: HTMLElement | null) => void
  onRemove: () => Promise<Result>
  /** Replies to the message (the composer takes focus); absent where replying is not offered. */
  onReply?: () => void
  /** Opens the reaction picker; focus goes back to `from` when it closes. Absent: no reactions. */
  onAddReaction?: (from: HTMLElement | null) => void
  /** Reports the message with a reason; absent where this user may not (or already did). */
  onReport?: (reason: string) => Promise<Result>
  /** Pins the message for everyone, or unpins it when `pinned`; absent unless an owner. */
  onPin?: () => Promise<Result>
  pinned?: boolean
}) {
  const [open, setOpen] = useState(false)
  const [above, setAbove] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [reporting, setReporting] = useState(false)
  const [deleting, setDeleting] = useState(false)
  const [error, setError] = useState<string>()
  const id = useId()
  const wrapper = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const menu = useRef<HTMLDivElement>(null)
  const cancel = useRef<HTMLButtonElement>(null)
  // Which item gets focus when the menu opens: the first, or the last (opened with Up arrow).
  const focusOnOpen = useRef<'first' | 'last'>('first')

  // Opened at the bottom of the list, the menu would hide below the scroll edge: it opens upwards.
  useLayoutEffect(() => {
    if (!open) return
    const box = menu.current?.getBoundingClientRect()
    const scroller = wrapper.current?.closest('.message-scroll')?.getBoundingClientRect()
    setAbove(box !== undefined && scroller !== undefined && box.bottom > scroller.bottom)
    const list = menuItems(menu.current)
    ;(focusOnOpen.current === 'last' ? list.at(-1) : list[0])?.focus()
  }, [open])

  // A click anywhere else closes the menu, as with a native one.
  useEffect(() => {
    if (!open) return
    const close = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', close)
    return () => document.removeEventListener('pointerdown', close)
  }, [open])

  useEffect(() => {
    if (confirming) cancel.current?.focus()
  }, [confirming])

  function openMenu(at: 'first' | 'last') {
    focusOnOpen.current = at
    setAbove(false)
    setOpen(true)
  }

  function closeMenu() {
    setOpen(false)
    button.current?.focus()
  }

  function buttonKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      openMenu(event.key === 'ArrowDown' ? 'first' : 'last')
    }
  }

  function menuKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const list = menuItems(menu.current)
    const at = list.indexOf(document.activeElement as HTMLElement)
    const move = (index: number) => {
      event.preventDefault()
      list[(index + list.length) % list.length]?.focus()
    }
    if (event.key === 'ArrowDown') move(at + 1)
    else if (event.key === 'ArrowUp') move(at - 1)
    else if (event.key === 'Home') move(0)
    else if (event.key === 'End') move(list.length - 1)
    else if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      closeMenu()
    } else if (event.key === 'Tab') {
      // From the button, Tab goes on to whatever follows it, as it would with the menu closed.
      closeMenu()
    }
  }

  function addReaction() {
    setOpen(false)
    setError(undefined)
    onAddReaction?.(button.current)
  }

  function reply() {
    setOpen(false)
    setError(undefined)
    onReply?.()
  }

  function edit() {
    setOpen(false)
    setError(undefined)
    onEdit(button.current)
  }

  async function togglePin() {
    setOpen(false)
    setError(undefined)
    button.current?.focus()
    const result = await onPin?.()
    if (result && !result.ok) {
      setError(`Could not ${pinned ? 'unpin' : 'pin'} the message: ${result.error}`)
    }
  }

  function askWhyReport() {
    setOpen(false)
    setError(undefined)
    setReporting(true)
  }

  function askToDelete() {
    setOpen(false)
    setError(undefined)
    setConfirming(true)
  }

  function stopConfirming() {
    setConfirming(false)
    button.current?.focus()
  }

  async function remove() {
    // Found now: once deleted, the message shows without this menu and its buttons are gone.
    const log = wrapper.current?.closest<HTMLElement>('[role="log"]')
    setDeleting(true)
    setError(undefined)
    const result = await onRemove()
    setDeleting(false)
    setConfirming(false)
    if (result.ok) {
      // Focus would fall back to the page with the button it was on: it stays in the list.
      log?.focus({ preventScroll: true })
    } else {
      setError(`Could not delete the message: ${result.error}`)
      button.current?.focus()
    }
  }

  return (
    <>
      <div ref={wrapper} className="message-menu" hidden={hidden}>
        <MessageActionBar onAddReaction={onAddReaction} onReply={onReply} />
        <button
          ref={button}
          type="button"
          className="message-menu-button"
          aria-label="Message actions"
          title="Message actions"
          aria-haspopup="menu"
          aria-expanded={open}
          aria-controls={open ? `${id}-menu` : undefined}
          onClick={() => (open ? setOpen(false) : openMenu('first'))}
          onKeyDown={buttonKeyDown}
        >
          <span aria-hidden="true">⋯</span>
        </button>
        {open && (
          <div
            ref={menu}
            id={`${id}-menu`}
            role="menu"
            aria-label="Message actions"
            className={`message-menu-list${above ? ' above' : ''}`}
            onKeyDown={menuKeyDown}
          >
            {onAddReaction && (
              <button type="button" role="menuitem" tabIndex={-1} onClick={addReaction}>
                Add reaction
              </button>
            )}
            {onReply && (
              <button type="button" role="menuitem" tabIndex={-1} onClick={reply}>
                Reply
              </button>
            )}
            {canEdit && (
              <button type="button" role="menuitem" tabIndex={-1} onClick={edit}>
                Edit
              </button>
            )}
            {onPin && (
              <button type="button" role="menuitem" tabIndex={-1} onClick={togglePin}>
                {pinned ? 'Unpin' : 'Pin'}
              </button>
            )}
            {onReport && (
              <button type="button" role="menuitem" tabIndex={-1} onClick={askWhyReport}>
                Report
              </button>
            )}
            {canRemove && (
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                className="danger"
                onClick={askToDelete}
              >
                Delete
              </button>
            )}
          </div>
        )}
      </div>
      {confirming && (
        <fieldset
          className="message-confirm"
          aria-labelledby={`${id}-confirm`}
          onKeyDown={(event) => {
            if (event.key !== 'Escape') return
            event.stopPropagation()
            stopConfirming()
          }}
        >
          <span id={`${id}-confirm`}>Delete this message?</span>
          <button type="button" className="danger" disabled={deleting} onClick={remove}>
            Delete
          </button>
          <button ref={cancel} type="button" onClick={stopConfirming}>
            Cancel
          </button>
        </fieldset>
      )}
      {reporting && onReport && (
        <ReportForm
          onReport={onReport}
          onDone={() => {
            setReporting(false)
            button.current?.focus()
          }}
        />
      )}
      {error && (
        <p role="alert" className="error message-error">
          {error}
        </p>
      )}
    </>
  )
}

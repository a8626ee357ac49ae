import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from 'react'
import { MessageActionBar } from './message-action-bar.tsx'
import type { MessageAction } from './message-row.ts'

const menuItems = (menu: HTMLElement | null) => [
  ...(menu?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []),
]

/**
 * A message's action bar (the actions with a `bar`, see MessageActionBar) and its menu ("Message
 * actions"): every action the row's features offer, in their order. An action runs at once, or
 * opens its panel under the message (Delete asks again; Report asks why). The menu follows the
 * ARIA menu button pattern: arrows move between the items, Escape closes it and focus goes back
 * to the button.
 */
export function MessageActions({
  actions,
  hidden,
}: {
  actions: readonly MessageAction[]
  /** The message is being edited: the button steps aside, but stays for focus to come back to. */
  hidden: boolean
}) {
  const [open, setOpen] = useState(false)
  const [above, setAbove] = useState(false)
  const [panel, setPanel] = useState<MessageAction>()
  const [error, setError] = useState<string>()
  const id = useId()
  const wrapper = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const menu = useRef<HTMLDivElement>(null)
  // Which item gets focus when the menu opens: the first, or the last (opened with Up arrow).
  const focusOnOpen = useRef<'first' | 'last'>('first')

  // Opened at the bottom of the list, the menu would hide below the scroll edge: it opens upwards.
  useLayoutEffect(() => {
    if (!open) return
    const box = menu.current?.getBoundingClientRect()
    const scroller = wrapper.current?.closest('.bc-message-scroll')?.getBoundingClientRect()
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

  /** Runs an action from the menu or the bar (`from`: the element focus goes back to). */
  async function choose(action: MessageAction, from: HTMLElement | null) {
    setOpen(false)
    setError(undefined)
    if (action.panel) {
      setPanel(action)
      return
    }
    if (action.keepsFocus) button.current?.focus()
    const result = await action.run?.(from)
    if (result && !result.ok) setError(action.failure?.(result.error) ?? result.error)
  }

  const sorted = [...actions].sort((a, b) => a.order - b.order)
  const controls = {
    button: button.current,
    close: (focusButton = true) => {
      setPanel(undefined)
      if (focusButton) button.current?.focus()
    },
    fail: (text: string) => {
      setPanel(undefined)
      setError(text)
      button.current?.focus()
    },
  }
  return (
    <>
      <div ref={wrapper} className="bc-message-menu" hidden={hidden}>
        <MessageActionBar actions={sorted} onChoose={(action, from) => void choose(action, from)} />
        <button
          ref={button}
          type="button"
          className="bc-message-menu-button"
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
            className={`bc-message-menu-list${above ? ' bc-above' : ''}`}
            onKeyDown={menuKeyDown}
          >
            {sorted.map((action) => (
              <button
                key={action.label}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={action.danger ? 'bc-danger' : undefined}
                onClick={() => void choose(action, button.current)}
              >
                {action.label}
              </button>
            ))}
          </div>
        )}
      </div>
      {panel?.panel?.(controls)}
      {error && (
        <p role="alert" className="bc-error bc-message-error">
          {error}
        </p>
      )}
    </>
  )
}

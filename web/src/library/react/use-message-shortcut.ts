import { type RefObject, useEffect } from 'react'

/**
 * The shortcut to the Message field, as the field's hint says it. Alt+Shift+M: no browser, nor
 * NVDA, JAWS or VoiceOver, uses it, and it types nothing on Windows or Linux.
 */
export const MESSAGE_SHORTCUT = 'Alt+Shift+M'

/** Whether `event` is the shortcut. By physical key: on a Mac, Option changes the character. */
const isMessageShortcut = (event: KeyboardEvent) =>
  event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyM'

/**
 * While mounted, the shortcut anywhere on the page focuses the composer's Message field found
 * inside `root` (the chat).
 */
export function useMessageShortcut(root: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const keyDown = (event: KeyboardEvent) => {
      if (!isMessageShortcut(event) || event.defaultPrevented) return
      const field = root.current?.querySelector<HTMLTextAreaElement>('.bc-composer textarea')
      if (!field) return
      event.preventDefault()
      field.focus()
    }
    document.addEventListener('keydown', keyDown)
    return () => document.removeEventListener('keydown', keyDown)
  }, [root])
}

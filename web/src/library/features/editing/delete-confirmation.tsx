import { useEffect, useId, useRef, useState } from 'react'
import type { Result } from '../../engine/result.ts'
import type { PanelControls } from '../../react/message-row.ts'

/**
 * "Delete this message?" under the message, with Delete and Cancel (focused; Esc cancels). Once
 * deleted, the message shows without its menu: focus stays in the list instead of falling back to
 * the page.
 */
export function DeleteConfirmation({
  onRemove,
  controls,
}: {
  onRemove: () => Promise<Result>
  controls: PanelControls
}) {
  const [deleting, setDeleting] = useState(false)
  const id = useId()
  const own = useRef<HTMLFieldSetElement>(null)
  const cancel = useRef<HTMLButtonElement>(null)

  useEffect(() => cancel.current?.focus(), [])

  async function remove() {
    // Found now: once deleted, the message shows without this menu and its buttons are gone.
    const log = own.current?.closest<HTMLElement>('[role="log"]')
    setDeleting(true)
    const result = await onRemove()
    setDeleting(false)
    if (result.ok) {
      controls.close(false)
      log?.focus({ preventScroll: true })
    } else {
      controls.fail(`Could not delete the message: ${result.error}`)
    }
  }

  return (
    <fieldset
      ref={own}
      className="bc-message-confirm"
      aria-labelledby={`${id}-confirm`}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return
        event.stopPropagation()
        controls.close()
      }}
    >
      <span id={`${id}-confirm`}>Delete this message?</span>
      <button type="button" className="bc-danger" disabled={deleting} onClick={remove}>
        Delete
      </button>
      <button ref={cancel} type="button" onClick={() => controls.close()}>
        Cancel
      </button>
    </fieldset>
  )
}

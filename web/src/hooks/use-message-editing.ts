import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ChatClient } from '../core/chat-client.ts'
import type { TimelineMessage } from '../core/timeline.ts'

/** The message being edited, its draft text, and how many times editing was started (focus). */
export interface Editing {
  id: string
  text: string
  started: number
}

/**
 * Which message is being edited, held above the list so that the composer (Up arrow) can start
 * editing too, and the actions every message offers, bound to the client. The editor closes by
 * itself once its message is deleted or no longer editable.
 */
export function useMessageEditing(client: ChatClient, messages: readonly TimelineMessage[]) {
  const [state, setState] = useState<Editing>()
  // Where focus goes once editing ends: what started it (the composer, or the message's menu).
  const returnFocus = useRef<HTMLElement | null>(null)
  // Only the editor's first mount takes focus: a row the list re-renders after scrolling it back
  // into view must not pull the view (and the keyboard) to itself.
  const focusPending = useRef(false)
  const [focusBack, setFocusBack] = useState(0)
  const starts = useRef(0)

  // The messages as last rendered, for handlers that must stay the same across new messages.
  const latest = useRef(messages)
  useEffect(() => {
    latest.current = messages
  }, [messages])

  const start = useCallback((id: string, from: HTMLElement | null) => {
    returnFocus.current = from
    focusPending.current = true
    // The draft starts from the text shown when editing starts.
    const body = latest.current.find((message) => message.id === id)?.body ?? ''
    const started = ++starts.current
    // Started again on the message being edited (Up arrow from the composer): focus goes back to
    // the editor, the draft stays.
    setState((current) =>
      current?.id === id ? { ...current, started } : { id, text: body, started },
    )
  }, [])

  const finish = useCallback((id?: string) => {
    setState((current) => (id === undefined || current?.id === id ? undefined : current))
    setFocusBack((count) => count + 1)
  }, [])

  // After the editor is gone (and the menu button is shown again), not before; and only if focus
  // went with the editor, not if the reader has moved on to something else meanwhile.
  useEffect(() => {
    if (focusBack === 0) return
    const target = returnFocus.current
    returnFocus.current = null
    const lost = document.activeElement === null || document.activeElement === document.body
    if (lost && target?.isConnected) target.focus()
  }, [focusBack])

  const message = state && messages.findLast((candidate) => candidate.id === state.id)
  const editable = message !== undefined && client.can('edit', message)
  // Deleted meanwhile (by a room owner, or in another tab): there is nothing left to edit.
  useEffect(() => {
    if (state && !editable) finish()
  }, [state, editable, finish])

  const actions = useMemo(
    () => ({
      can: (action: 'edit' | 'remove', target: TimelineMessage) => client.can(action, target),
      startEditing: start,
      changeDraft: (text: string) =>
        setState((current) => (current && current.text !== text ? { ...current, text } : current)),
      async saveEdit(id: string, text: string) {
        const result = await client.edit(id, text)
        if (result.ok) finish(id)
        return result
      },
      cancelEdit: () => finish(),
      takeFocus() {
        const pending = focusPending.current
        focusPending.current = false
        return pending
      },
      remove: (id: string) => client.remove(id),
    }),
    [client, start, finish],
  )

  const editingId = useRef<string>(undefined)
  useEffect(() => {
    editingId.current = state?.id
  }, [state?.id])

  /**
   * Edits this user's most recent editable message, or goes back to the one being edited (its
   * draft is not dropped); false if there is none.
   */
  const editLatest = useCallback(
    (from: HTMLElement | null) => {
      const target =
        editingId.current ??
        latest.current.findLast((candidate) => client.can('edit', candidate))?.id
      if (target === undefined) return false
      start(target, from)
      return true
    },
    [client, start],
  )

  return { editing: editable ? state : undefined, actions, editLatest }
}

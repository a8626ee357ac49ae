import type { Mention } from '@shared/protocol.ts'
import { type KeyboardEvent, useLayoutEffect, useRef, useState } from 'react'
import {
  insertMention,
  type MentionCandidate,
  type MentionQuery,
  mentionQueryAt,
  withPicked,
} from './mention-suggestions.ts'

interface OpenList {
  at: MentionQuery
  candidates: MentionCandidate[]
  /** The option Enter picks. */
  active: number
}

/**
 * The Message field's `@` suggestions: which list is open, the people picked so far, and the keys
 * that work while the list is open. The field's caret goes after a picked name.
 */
export function useMentionPicker(candidatesFor?: (query: string) => MentionCandidate[]) {
  const [open, setOpen] = useState<OpenList>()
  const [picked, setPicked] = useState<Mention[]>([])
  const caret = useRef<{ field: HTMLTextAreaElement; at: number }>(undefined)

  useLayoutEffect(() => {
    const pending = caret.current
    if (!pending) return
    caret.current = undefined
    pending.field.setSelectionRange(pending.at, pending.at)
  })

  function typed(text: string, at: number | null) {
    const query = candidatesFor && at !== null ? mentionQueryAt(text, at) : undefined
    const candidates = query ? (candidatesFor?.(query.query) ?? []) : []
    setOpen(query && candidates.length > 0 ? { at: query, candidates, active: 0 } : undefined)
  }

  function pick(
    candidate: MentionCandidate,
    text: string,
    setText: (text: string) => void,
    field: HTMLTextAreaElement | null,
  ) {
    if (!open) return
    const next = insertMention(text, open.at, candidate)
    setText(next.text)
    setPicked((people) => withPicked(people, candidate, next.text, open.at.start))
    setOpen(undefined)
    if (field) caret.current = { field, at: next.caret }
  }

  /** Handles a key for the open list; true when it did (the field does nothing more with it). */
  function keyDown(
    event: KeyboardEvent<HTMLTextAreaElement>,
    text: string,
    setText: (text: string) => void,
  ): boolean {
    if (!open || event.nativeEvent.isComposing) return false
    const count = open.candidates.length
    const move = (by: number) => setOpen({ ...open, active: (open.active + by + count) % count })
    switch (event.key) {
      case 'ArrowDown':
        move(1)
        break
      case 'ArrowUp':
        move(-1)
        break
      case 'Enter':
      case 'Tab': {
        if (event.shiftKey) return false
        const candidate = open.candidates[open.active]
        if (!candidate) return false
        pick(candidate, text, setText, event.currentTarget)
        break
      }
      case 'Escape':
        setOpen(undefined)
        break
      default:
        return false
    }
    event.preventDefault()
    return true
  }

  return {
    open,
    picked,
    typed,
    pick,
    keyDown,
    close: () => setOpen(undefined),
    reset: () => {
      setOpen(undefined)
      setPicked([])
    },
  }
}

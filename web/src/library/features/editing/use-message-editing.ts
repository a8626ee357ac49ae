import { useEffect, useMemo } from 'react'
import type { ChatClient } from '../../engine/chat-client.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { useStore } from '../../react/use-store.ts'
import { type EditingClient, MessageEditing } from './message-editing.ts'

/**
 * Which message is being edited (a MessageEditing store over the client, see there), and the
 * actions every message offers, bound to the client. Moves focus back once editing ends, unless
 * the reader has moved on to something else meanwhile.
 */
export function useMessageEditing(
  client: EditingClient &
    Pick<
      ChatClient,
      'remove' | 'react' | 'canReact' | 'report' | 'canReport' | 'reports' | 'pin' | 'canPin'
    >,
) {
  const store = useMemo(() => new MessageEditing(client), [client])
  const { editing, ended } = useStore(store)
  // A new set when this user reports a message: the actions change with it, so rows re-render.
  const reported = useStore(client.reports)

  // After the editor is gone (and the menu button is shown again), not before; and only if focus
  // went with the editor.
  useEffect(() => {
    if (ended === 0) return
    const target = store.takeReturnFocus()
    const lost = document.activeElement === null || document.activeElement === document.body
    if (lost && target?.isConnected) target.focus()
  }, [store, ended])

  const actions = useMemo(
    () => ({
      can: (action: 'edit' | 'remove', target: TimelineMessage) => client.can(action, target),
      startEditing: store.start,
      changeDraft: store.changeDraft,
      saveEdit: store.save,
      cancelEdit: () => store.finish(),
      takeFocus: store.takeFocus,
      remove: (id: string) => client.remove(id),
      canReact: (target: TimelineMessage) => client.canReact(target),
      react: (id: string, emoji: string, on: boolean) => client.react(id, emoji, on),
      canReport: (target: TimelineMessage) => client.canReport(target),
      report: (id: string, reason: string) => client.report(id, reason),
      reported: (id: string) => reported.mine.has(id),
      openReports: (id: string) => reported.open.get(id) ?? 0,
      canPin: (target: TimelineMessage) => client.canPin(target),
      pin: (id: string, on: boolean) => client.pin(id, on),
    }),
    [client, store, reported],
  )

  return { editing, actions, editLatest: store.editLatest }
}

import type { MessageAction, RowFeature } from '../../react/message-row.ts'
import { DeleteConfirmation } from './delete-confirmation.tsx'
import { MessageEditor } from './message-editor.tsx'

/** Edit (the editor takes the text's place) and Delete (asked again), where this user may. */
export const editingRow: RowFeature = {
  useRow(message, { actions, editing }) {
    const canEdit = actions.can('edit', message)
    const canRemove = actions.can('remove', message)
    const editor = editing && canEdit ? editing : undefined
    const offered: MessageAction[] = []
    if (canEdit) {
      offered.push({
        label: 'Edit',
        order: 30,
        run: (from) => {
          actions.startEditing(message.id, from)
          return undefined
        },
      })
    }
    if (canRemove) {
      offered.push({
        label: 'Delete',
        order: 60,
        danger: true,
        panel: (controls) => (
          <DeleteConfirmation onRemove={() => actions.remove(message.id)} controls={controls} />
        ),
      })
    }
    return {
      replacesText: editor && (
        <MessageEditor
          text={editor.text}
          started={editor.started}
          original={message.body}
          onChange={actions.changeDraft}
          onSave={(text) => actions.saveEdit(message.id, text)}
          onCancel={actions.cancelEdit}
          takeFocus={actions.takeFocus}
        />
      ),
      actions: offered,
    }
  },
}

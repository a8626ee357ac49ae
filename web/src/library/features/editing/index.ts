// Editing in the column: its part of a row (the editor, Edit and Delete) and the editing state.
export { editingRow } from './editing-row.tsx'
export { useMessageEditing } from './use-message-editing.ts'

// Editing's engine part (no React): what ChatClient wires, its live notice, its calls to the function.
export { changedNotice } from './changed-notice.ts'
export { deleteMessage, editMessage } from './editing-api.ts'
export { MessageChanges } from './message-changes.ts'

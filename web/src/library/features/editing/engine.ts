// Editing's engine part (no React): what ChatClient wires, and its calls to the function.
export { deleteMessage, editMessage } from './editing-api.ts'
export { MessageChanges } from './message-changes.ts'

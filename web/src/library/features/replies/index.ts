// Replies in the column: the row's quote and its Reply action.
export { replyRow } from './reply-row.tsx'

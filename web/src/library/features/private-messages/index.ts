// Private messages in the column: the row's "privately" mark and whom the composer sends to.
export { privateMessageRow } from './private-row.tsx'
export type { Recipient } from './send-to.tsx'

// Polls in the column: the row's poll and the composer's "Start a poll" tool.
export { PollButton } from './poll-button.tsx'
export { pollRow } from './poll-row.tsx'

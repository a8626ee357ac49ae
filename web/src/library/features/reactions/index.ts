// Reactions in the column: the row's chips and its React action.
export { reactionRow } from './reaction-row.tsx'

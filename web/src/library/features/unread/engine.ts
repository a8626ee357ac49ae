// Unread's engine part (no React): which messages are new, and how far this user has read.
export { ArrivalLog, type Arrivals } from './arrivals.ts'
export { ReadPosition } from './read-position.ts'

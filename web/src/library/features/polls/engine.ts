// Polls' engine part (no React): checking a new poll, voting and closing (see polls.ts).
export { checkPoll, Polls } from './polls.ts'

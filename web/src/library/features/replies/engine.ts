// Replies' engine part (no React): the reply draft and the quotes of parents.
export { ReplyDraft } from './reply-draft.ts'
export { type ReplyQuote, ReplyQuotes } from './reply-quotes.ts'

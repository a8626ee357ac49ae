// Search's engine part (no React): the search store.
export { MessageSearch } from './message-search.ts'

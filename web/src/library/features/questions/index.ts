// Q&A in the column: the Questions view, its count for the tab, and its news for screen readers.
export { QuestionsAnnouncer } from './questions-announcer.tsx'
export { QuestionsView } from './questions-view.tsx'

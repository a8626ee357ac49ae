// Search in the column: the "Search messages" panel.
export { MessageSearchPanel } from './message-search-panel.tsx'

// Mentions' engine part (no React): the alert settings and whom to suggest.
export { AlertSettingsStore } from './mention-alerts.ts'
export { type MentionCandidate, mentionCandidates } from './mention-suggestions.ts'

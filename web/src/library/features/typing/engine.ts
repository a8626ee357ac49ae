// Typing's engine part (no React): telling others, who is typing, and its live notice.
export { Typing } from './typing-feature.ts'

// Typing's engine part (no React): telling others, and who is typing.
export { TypingNotifier, TypingRoster, typingLine } from './typing.ts'

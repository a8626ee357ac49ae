// Reactions' engine part (no React): adding and taking back, and the calls to the function.
export { MessageReactions } from './reactions.ts'
export { addReaction, removeReaction } from './reactions-api.ts'

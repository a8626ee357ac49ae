import type { LiveHandler } from '../../engine/live-handler.ts'

/**
 * The live handler of `changed` (an edit or a deletion was stored): the changes feed says what
 * happened without asking for a message that may be gone, and catches anything else missed on the
 * way. Anyone edits and deletes their own messages, so anyone may send it; a burst shares the
 * catch-up in flight and one more (RoomSync).
 */
export const changedNotice = (catchUp: () => Promise<void>): LiveHandler<'changed'> => ({
  type: 'changed',
  receive: () => void catchUp(),
})

import { LIVE_PROTOCOL_VERSION, type LiveEnvelope } from '@shared/protocol.ts'
import { ChatApiError } from './chat-api.ts'
import { type Result, refused } from './result.ts'
import type { TimelineMessage } from './timeline.ts'

export interface MessageChangeOptions {
  /** The message as shown now (one received live has no seq until the room is read). */
  message: (id: string) => TimelineMessage | undefined
  sendLive: (envelope: LiveEnvelope) => void
  /** Reads what changed in the room. */
  sync: () => Promise<void>
}

/**
 * Stores a change to the message `id` (`write`: a reaction, a vote…), then announces it
 * (`changed`), so that everyone reads it from the room. A message received live may not be known
 * to the function yet (404): its write may have landed since, so once the room is read it tries
 * once more, or says `notSaved`. Returns why not.
 */
export async function changeMessage(
  options: MessageChangeOptions,
  id: string,
  write: () => Promise<void>,
  notSaved: string,
): Promise<Result> {
  const { message, sendLive, sync } = options
  try {
    await write()
  } catch (error) {
    if (!(error instanceof ChatApiError && error.status === 404 && !message(id)?.seq)) {
      return refused((error as Error).message)
    }
    // Received live: its write may have landed since. Once the room is read, one more try.
    await sync()
    if (message(id)?.seq === undefined) return refused(notSaved)
    try {
      await write()
    } catch (again) {
      return refused((again as Error).message)
    }
  }
  sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'changed', id })
  // A catch-up read before this write may still land after its answer: one read after it has
  // the last word.
  await sync()
  return { ok: true }
}

import { Store } from '../../engine/store.ts'
import type { MessageStatus, TimelineMessage } from '../../engine/timeline.ts'
import { firstLine } from './reply-quotes.ts'

/** The message the next one will reply to, as the banner above the Message field shows it. */
export interface ReplyTarget {
  id: string
  senderName: string
  /** Its first line (or first file's name). */
  text: string
  /**
   * For a private message: the other person of that conversation. A reply to it goes privately
   * to them.
   */
  privately?: { id: string; name: string }
}

export interface ReplyDraftSnapshot {
  /** What the next message replies to; undefined when it replies to none. */
  target?: ReplyTarget
  /** How many replies were started: the composer takes focus once per start. */
  started: number
}

/**
 * Messages that can be replied to: stored, or on their way to be (received live, or one's own
 * still sending). Not a deleted one, nor one that will never be stored (Daily Prebuilt's chat, an
 * own message given up on): the function would refuse the reply.
 */
const REPLYABLE = new Set<MessageStatus>(['saved', 'live', 'sending', 'retrying'])

/** Whether `message` offers Reply. */
export const canReply = (message: TimelineMessage) =>
  !message.deleted && REPLYABLE.has(message.status)

/**
 * The reply being written: set by a message's Reply action, shown as "Replying to Ana" above the
 * Message field, taken by the next message sent, cancelled with Esc or the banner's close button.
 */
export class ReplyDraft extends Store<ReplyDraftSnapshot> {
  constructor() {
    super({ started: 0 })
  }

  /** The next message will reply to `message` (instead of any other). False if it cannot. */
  start = (message: TimelineMessage): boolean => {
    if (!canReply(message)) return false
    const target: ReplyTarget = {
      id: message.id,
      senderName: message.sender.name,
      text: firstLine(message),
    }
    if (message.to) {
      target.privately = message.own
        ? { id: message.to, name: message.toName ?? 'them' }
        : { id: message.sender.id, name: message.sender.name }
    }
    this.set({ target, started: this.getSnapshot().started + 1 })
    return true
  }

  /** The next message replies to none. */
  cancel = (): void => {
    if (this.getSnapshot().target) this.set({ started: this.getSnapshot().started })
  }

  /** The id of the message replied to, if any. */
  get replyTo(): string | undefined {
    return this.getSnapshot().target?.id
  }
}

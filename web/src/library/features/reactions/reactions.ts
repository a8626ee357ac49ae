import {
  emojiSchema,
  type LiveEnvelope,
  MAX_REACTION_EMOJI,
  type StoredMessage,
} from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { changeMessage } from '../../engine/message-change.ts'
import { type Result, refused } from '../../engine/result.ts'
import type { Timeline, TimelineMessage, TimelineReaction } from '../../engine/timeline.ts'
import { addReaction, removeReaction } from './reactions-api.ts'

/** The row of emoji the picker offers first. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '🙏'] as const

/** How this user is named among those who reacted. */
export const YOU = 'You'

export interface MessageReactionsOptions {
  api: Pick<RoomApi, 'route'>
  timeline: Timeline
  sendLive: (envelope: LiveEnvelope) => void
  stored: (messages: readonly StoredMessage[]) => void
  /** Reads what changed in the room: the function's word on the message, whoever claims what. */
  sync: () => Promise<void>
}

/**
 * This user's reactions: added and taken back through the function, then announced live as a
 * change (`changed`), so that receivers read the message's reactions from the function and never
 * from the announcement. What shows is always what the function says.
 */
export class MessageReactions {
  readonly #options: MessageReactionsOptions

  constructor(options: MessageReactionsOptions) {
    this.#options = options
  }

  /**
   * Whether a message shown can take reactions: a stored one, or one received live (stored by
   * then, or the reaction says it is not yet); never a deleted one or one that is never stored.
   */
  can(message: TimelineMessage): boolean {
    if (message.deleted) return false
    return message.seq !== undefined || message.status === 'live'
  }

  /** Adds (`on`) or takes back this user's reaction `emoji` to a message. Returns why not. */
  async react(id: string, emoji: string, on: boolean): Promise<Result> {
    const { timeline, sendLive, sync } = this.#options
    const parsed = emojiSchema.safeParse(emoji)
    if (!parsed.success) return refused(parsed.error.issues[0]?.message ?? 'Pick one emoji.')
    const message = timeline.get(id)
    if (!message || !this.can(message)) return refused('This message cannot take reactions.')
    const reactions = message.reactions ?? []
    if (
      on &&
      reactions.length >= MAX_REACTION_EMOJI &&
      !reactions.some((reaction) => reaction.emoji === parsed.data)
    ) {
      return refused(
        `This message already has ${MAX_REACTION_EMOJI} different reactions. Add one of those instead.`,
      )
    }
    return changeMessage(
      { message: (shown) => timeline.get(shown), sendLive, sync },
      id,
      () => this.#write(id, parsed.data, on),
      'This message is not saved yet. Try again in a moment.',
    )
  }

  async #write(id: string, emoji: string, on: boolean): Promise<void> {
    const { api, stored } = this.#options
    if (on) stored([await addReaction(api, id, emoji)])
    else await removeReaction(api, id, emoji)
  }
}

/**
 * Who reacted, by name: `names` in the order people reacted (this user as "You", anyone else as
 * `nameOf` says) and whether this user is among them (`mine`).
 */
export function nameReactions(
  reactions: readonly TimelineReaction[],
  ownUserId: string,
  nameOf: (userId: string) => string,
): TimelineReaction[] {
  return reactions.map((reaction) => ({
    ...reaction,
    mine: reaction.userIds.includes(ownUserId),
    names: reaction.userIds.map((userId) => (userId === ownUserId ? YOU : nameOf(userId))),
  }))
}

/**
 * Who reacted, as a sentence: "You, Ana and Ben reacted with 👍". Long lists end in "and 3 others".
 *
 * @example reactedWith({ emoji: '👍', count: 2, userIds: ['a', 'b'], names: ['Ana', 'Ben'] })
 * // 'Ana and Ben reacted with 👍'
 */
export function reactedWith(reaction: TimelineReaction, shown = 8): string {
  const names = [...(reaction.names ?? [])]
  // "You" first: it is what the reader looks for.
  const you = names.indexOf(YOU)
  if (you > 0) names.unshift(...names.splice(you, 1))
  const unnamed = Math.max(0, reaction.count - names.length)
  const listed = names.slice(0, shown)
  const rest = names.length - listed.length + unnamed
  const parts = rest > 0 ? [...listed, rest === 1 ? '1 other' : `${rest} others`] : listed
  if (parts.length === 0) return `Reacted with ${reaction.emoji}`
  const joined =
    parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
  return `${joined} reacted with ${reaction.emoji}`
}

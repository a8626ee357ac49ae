import {
  MAX_POLL_QUESTION_CHARS,
  type NewPoll,
  newPollSchema,
  type StoredMessage,
} from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { changeMessage, type MessageChangeOptions } from '../../engine/message-change.ts'
import { type Result, refused } from '../../engine/result.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { closePoll, takeBackVote, votePoll } from './polls-api.ts'

/** What polls need of the engine: what every stored change needs, and the room's API. */
export interface PollsOptions extends MessageChangeOptions {
  api: Pick<RoomApi, 'route'>
  /** This user, and whether they own the room (owners close anyone's poll). */
  userId: string
  owner: boolean
  /** Shows messages as the function returned them. */
  stored: (messages: readonly StoredMessage[]) => void
}

/**
 * A poll's question and options as they will be sent, or why not: 2 to 10 different options of 1
 * to 100 characters, a question of at most 300.
 */
export function checkPoll(question: string, options: readonly string[]): Result<{ poll: NewPoll }> {
  if ([...question.trim()].length > MAX_POLL_QUESTION_CHARS) {
    return refused(`A poll's question is at most ${MAX_POLL_QUESTION_CHARS} characters.`)
  }
  const parsed = newPollSchema.safeParse({ options: options.map((option) => option.trim()) })
  if (!parsed.success) return refused(parsed.error.issues[0]?.message ?? 'This poll is not valid.')
  return { ok: true, poll: parsed.data }
}

/**
 * Voting in polls, taking a vote back, and closing one: each stored first, then shown from the
 * function's answer and announced (`changed`), so that everyone reads the counts from the room.
 */
export class Polls {
  readonly #options: PollsOptions

  constructor(options: PollsOptions) {
    this.#options = options
  }

  /** Votes for option `option` (its position) of the poll `id`; again with another changes it. */
  vote(id: string, option: number): Promise<Result> {
    return this.#change(id, (api) => votePoll(api, id, option))
  }

  /** Takes this user's vote in the poll `id` back. */
  takeBack(id: string): Promise<Result> {
    return this.#change(id, (api) => takeBackVote(api, id))
  }

  /** Closes the poll `id` (its creator or an owner): nobody votes any more. */
  close(id: string): Promise<Result> {
    return this.#change(id, (api) => closePoll(api, id))
  }

  /** Whether this user may close a poll shown: theirs, or anyone's for an owner, while open. */
  canClose(message: TimelineMessage): boolean {
    const { poll } = message
    if (!poll || poll.closedAt || message.deleted || message.seq === undefined) return false
    return message.sender.id === this.#options.userId || this.#options.owner
  }

  /** Whether this user can vote in a poll shown: stored or received live, open, not deleted. */
  canVote(message: TimelineMessage): boolean {
    return (
      message.poll !== undefined &&
      !message.poll.closedAt &&
      !message.deleted &&
      (message.status === 'saved' || message.status === 'live')
    )
  }

  async #change(
    id: string,
    write: (api: Pick<RoomApi, 'route'>) => Promise<StoredMessage>,
  ): Promise<Result> {
    const { api, stored } = this.#options
    return changeMessage(
      this.#options,
      id,
      async () => stored([await write(api)]),
      'This poll is not saved yet. Try again in a moment.',
    )
  }
}

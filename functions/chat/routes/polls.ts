import { type Context, Hono } from 'hono'
import { pollVoteSchema, type SendRefusal } from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError, senderBlocked } from '../errors.ts'
import type { PersistedMessage } from '../message-store.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody, messageIdParam } from '../request.ts'

const messageNotFound = () =>
  new ApiError(404, 'message_not_found', 'There is no such message in this room.')

const pollNotFound = () => new ApiError(404, 'poll_not_found', 'This message is not a poll.')

/** Why a vote is refused while the room's settings do not let the person send. */
const VOTE_REFUSALS = {
  chat_off: 'Chat is turned off in this room: polls cannot take votes now.',
  owners_only: 'Only owners can send messages or vote in this room right now.',
  // Polls are never private; the code is kept so that every send refusal has its words.
  private_off: 'Private messages are turned off in this room.',
} as const satisfies Record<SendRefusal, string>

/**
 * `PUT` and `DELETE /rooms/:room/messages/:id/poll/vote`: vote in a poll (or change one's vote),
 * or take one's vote back, idempotently; `POST .../poll/close`: its sender or a room owner closes
 * it. Each answers the message as the person now reads it (counts, and their own vote). Mounted at
 * `/rooms/:room/messages/:id/poll`, behind the token.
 */
export function pollRoutes({ config, store, media }: ChatDeps) {
  /** Votes, take-backs and closings share one quota per person. */
  const requirePollQuota = (userId: string) =>
    requireQuota(store, 'poll_vote', userId, config.quotas.pollVote, 'You are voting too quickly')

  const answer = async (c: Context<RoomEnv>, message: PersistedMessage) => {
    const [withUrls] = await withReadUrls(media, [message], config.mediaUrlTtlSeconds)
    return c.json(withUrls)
  }

  /** Casts `option` (its position), or takes the vote back when null. */
  async function vote(c: Context<RoomEnv>, option: number | null) {
    const id = messageIdParam(c)
    const { room, user, owner } = c.var
    await requirePollQuota(user.id)
    const outcome = await store.votePoll(room, id, user.id, option, owner)
    switch (outcome.kind) {
      case 'voted':
      case 'withdrawn':
      case 'unchanged':
        return answer(c, outcome.message)
      case 'not_found':
        throw messageNotFound()
      case 'not_a_poll':
        throw pollNotFound()
      case 'closed':
        throw new ApiError(409, 'poll_closed', 'This poll is closed.')
      case 'no_such_option': {
        const why = `This poll has ${outcome.options} options: option is a number from 0 to ${outcome.options - 1}.`
        throw new ApiError(400, 'invalid_input', why, { fields: { option: [why] } })
      }
      case 'blocked':
        throw senderBlocked(outcome.reason, 'taking part')
      case 'chat_off':
      case 'owners_only':
      case 'private_off':
        throw new ApiError(403, outcome.kind, VOTE_REFUSALS[outcome.kind])
    }
  }

  return new Hono<RoomEnv>()
    .put('/vote', async (c) => {
      const { option } = await jsonBody(c, pollVoteSchema)
      return vote(c, option)
    })
    .delete('/vote', (c) => vote(c, null))
    .post('/close', async (c) => {
      const id = messageIdParam(c)
      const { room, user, owner } = c.var
      await requirePollQuota(user.id)
      const outcome = await store.closePoll(room, id, user.id, owner)
      switch (outcome.kind) {
        case 'closed':
        case 'unchanged':
          return answer(c, outcome.message)
        case 'not_found':
          throw messageNotFound()
        case 'not_a_poll':
          throw pollNotFound()
        case 'forbidden':
          throw new ApiError(
            403,
            'not_allowed',
            "Only the poll's creator or a room owner can close this poll.",
          )
      }
    })
}

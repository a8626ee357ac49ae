import { Hono } from 'hono'
import {
  emojiSchema,
  MAX_REACTION_EMOJI,
  messageIdSchema,
  type SendRefusal,
} from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError, senderBlocked } from '../errors.ts'
import { requireQuota } from '../quotas.ts'

const notFound = () =>
  new ApiError(404, 'message_not_found', 'There is no such message in this room.')

/**
 * Why a reaction is refused while the room's settings do not let the person send (the codes of a
 * new message's refusals); taking one back is always allowed.
 */
const REACTION_REFUSALS = {
  chat_off: 'Chat is turned off in this room: reactions cannot be added now.',
  owners_only: 'Only owners can send messages or react in this room right now.',
  private_off: 'Private messages are turned off in this room: they cannot take reactions now.',
} as const satisfies Record<SendRefusal, string>

/** The `:id` and `:emoji` path parameters (the emoji URL-encoded), validated. */
function reactionParams(id: string | undefined, emoji: string | undefined) {
  const fields: Record<string, string[]> = {}
  const parsedId = messageIdSchema.safeParse(id)
  if (!parsedId.success) fields.id = ['Message ids are UUIDs.']
  const parsedEmoji = emojiSchema.safeParse(emoji)
  if (!parsedEmoji.success) {
    fields.emoji = [parsedEmoji.error.issues[0]?.message ?? 'A reaction is one emoji.']
  }
  if (!parsedId.success || !parsedEmoji.success) {
    const message = fields.emoji?.[0] ?? 'Message ids are UUIDs.'
    throw new ApiError(400, 'invalid_input', message, { fields })
  }
  return { id: parsedId.data, emoji: parsedEmoji.data }
}

/** The `:id` and the one spelling of `:emoji` to add: Unicode's. */
function addParams(id: string | undefined, emoji: string | undefined) {
  const params = reactionParams(id, emoji)
  return { id: params.id, spellings: [params.emoji] as [string, ...string[]] }
}

/**
 * The `:id` and the spellings of `:emoji` to take back: the emoji as Unicode spells it and, when
 * the request spells it otherwise, that spelling too, so a reaction stored before reactions were
 * kept in Unicode's spelling (👍 with U+FE0F from the picker, in a data folder of an older
 * checkout) is still taken back by the text its chip shows.
 */
function takeBackParams(id: string | undefined, emoji: string | undefined) {
  const params = reactionParams(id, emoji)
  const spellings: [string, ...string[]] = [params.emoji]
  if (emoji !== undefined && emoji !== params.emoji) spellings.push(emoji)
  return { id: params.id, spellings }
}

/** The message id (from the mount path) and the emoji (decoded) of the request's path. */
const pathParams = (params: Record<string, string | undefined>) => ({
  id: params.id,
  emoji: params.emoji,
})

/**
 * `PUT` and `DELETE /rooms/:room/messages/:id/reactions/:emoji`: add or take back one's own
 * reaction, idempotently. PUT answers the message with its reactions; DELETE answers 204 whether
 * or not there was one. Mounted at `/rooms/:room/messages/:id/reactions`, behind the token.
 */
export function reactionRoutes({ config, store, media }: ChatDeps) {
  async function toggle(
    room: string,
    user: { id: string },
    params: { id: string | undefined; emoji: string | undefined },
    on: boolean,
    owner: boolean,
  ) {
    const { id, spellings } = on
      ? addParams(params.id, params.emoji)
      : takeBackParams(params.id, params.emoji)
    await requireQuota(
      store,
      'reaction',
      user.id,
      config.quotas.reaction,
      'You are reacting too quickly',
    )
    const [first, ...others] = spellings
    let outcome = await store.toggleReaction(room, id, user.id, first, on, owner)
    for (const spelling of others) {
      if (outcome.kind === 'not_found') break
      outcome = await store.toggleReaction(room, id, user.id, spelling, on, owner)
    }
    switch (outcome.kind) {
      case 'added':
      case 'removed':
      case 'unchanged':
        return outcome.message
      case 'not_found':
        throw notFound()
      case 'too_many':
        throw new ApiError(
          409,
          'too_many_reactions',
          `This message already has ${MAX_REACTION_EMOJI} different reactions. Add one of those instead.`,
        )
      case 'blocked':
        throw senderBlocked(outcome.reason, 'reacting')
      case 'chat_off':
      case 'owners_only':
      case 'private_off':
        throw new ApiError(403, outcome.kind, REACTION_REFUSALS[outcome.kind])
    }
  }

  return new Hono<RoomEnv>()
    .put('/:emoji', async (c) => {
      const { room, user, owner } = c.var
      const message = await toggle(room, user, pathParams(c.req.param()), true, owner)
      const [withUrls] = await withReadUrls(media, [message], config.mediaUrlTtlSeconds)
      return c.json(withUrls)
    })
    .delete('/:emoji', async (c) => {
      const { room, user, owner } = c.var
      await toggle(room, user, pathParams(c.req.param()), false, owner)
      return c.body(null, 204)
    })
}

import { Hono } from 'hono'
import { reviewMessagesRequestSchema } from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody } from '../request.ts'

const ownersOnly = () =>
  new ApiError(
    403,
    'owners_only',
    "Only the room's owners can read or review the messages that wait for approval.",
  )

/**
 * Messages that need approval (issue 22), for the room's owners, mounted at
 * `/rooms/:room/messages` before the message routes (so `pending` is not taken for an id):
 * - `GET /pending`: the messages waiting for approval, oldest first (`{messages}`, at most 200);
 * - `POST /review` `{ids, approve}`: approve or reject up to 100 of them at once, answering each
 *   one's outcome in the order given. An approved message keeps its time and seq; a rejected one is
 *   deleted, unseen. The function then tells the room live (a `changed` notice from `API`), and
 *   each page's catch-up (`GET /changes`) brings what it may see: the approved ones to everyone,
 *   a rejection to its sender.
 * Whether a message waits, and who sees it meanwhile, is decided by the database.
 */
export function approvalRoutes({ config, store, media, live }: ChatDeps) {
  const signed = (messages: Parameters<typeof withReadUrls>[1]) =>
    withReadUrls(media, messages, config.mediaUrlTtlSeconds)
  return new Hono<RoomEnv>()
    .get('/pending', async (c) => {
      const { room, owner } = c.var
      if (!owner) throw ownersOnly()
      return c.json({ messages: await signed(await store.loadPendingMessages(room)) })
    })
    .post('/review', async (c) => {
      const { room, user, owner } = c.var
      if (!owner) throw ownersOnly()
      const { ids, approve } = await jsonBody(c, reviewMessagesRequestSchema)
      await requireQuota(
        store,
        'message_review',
        user.id,
        config.quotas.messageReview,
        'You are reviewing messages too quickly',
      )
      const reviewed = await store.reviewMessages(room, ids, user.id, approve)
      // Everyone catches up at once: the approved reach all, a rejection only its sender.
      live?.messagesChanged(
        room,
        reviewed
          .filter(({ outcome }) => outcome === 'approved' || outcome === 'rejected')
          .map(({ id }) => id),
      )
      const messages = await signed(reviewed.flatMap((result) => result.message ?? []))
      let next = 0
      const results = reviewed.map(({ id, outcome, message }) =>
        message ? { id, outcome, message: messages[next++] } : { id, outcome },
      )
      return c.json({ results })
    })
}

import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ChatDeps } from '../app.ts'
import { type RoomAuth, requireRoomToken } from '../auth.ts'
import { ApiError, invalidInput } from '../errors.ts'
import {
  historyQuerySchema,
  MAX_REQUEST_BYTES,
  messageIdSchema,
  postMessageRequestSchema,
} from '../protocol.ts'
import { jsonBody } from '../request.ts'

const tooLarge = () => {
  throw new ApiError(
    413,
    'payload_too_large',
    `Requests are at most ${MAX_REQUEST_BYTES / 1024} KiB. Send a shorter message.`,
  )
}

/**
 * `POST` and `GET /rooms/:room/messages`: persist one message, read history a page at a time;
 * `GET /rooms/:room/messages/:id`: one message (announced live by reference when too large).
 */
export function messageRoutes({ config, store, tokens }: ChatDeps) {
  return new Hono<RoomAuth>()
    .use('/rooms/:room/messages', requireRoomToken(tokens))
    .use('/rooms/:room/messages/:id', requireRoomToken(tokens))
    .post(
      '/rooms/:room/messages',
      bodyLimit({ maxSize: MAX_REQUEST_BYTES, onError: tooLarge }),
      async (c) => {
        const { id, body } = await jsonBody(c, postMessageRequestSchema)
        const outcome = await store.persistMessage(
          { id, room: c.var.room, sender: c.var.user, body },
          config.rateLimit,
        )
        switch (outcome.kind) {
          case 'created':
            return c.json(outcome.message, 201)
          case 'duplicate':
            return c.json(outcome.message, 200)
          case 'conflict':
            throw new ApiError(
              409,
              'id_conflict',
              'A different message was already stored with this id. Send it with a new id.',
            )
          case 'deleted':
            throw new ApiError(
              410,
              'message_deleted',
              'This message was deleted and cannot be sent again.',
            )
          case 'rate_limited':
            throw new ApiError(
              429,
              'rate_limited',
              `You are sending messages too quickly. Try again in ${outcome.retryAfterSeconds} s.`,
              { headers: { 'Retry-After': String(outcome.retryAfterSeconds) } },
            )
        }
      },
    )
    .get('/rooms/:room/messages', async (c) => {
      const query = historyQuerySchema.safeParse(c.req.query())
      if (!query.success) throw invalidInput(query.error, 'The history query is invalid.')
      return c.json(await store.loadHistoryPage(c.var.room, query.data))
    })
    .get('/rooms/:room/messages/:id', async (c) => {
      const id = messageIdSchema.safeParse(c.req.param('id'))
      if (!id.success) {
        const reason = 'Message ids are UUIDs.'
        throw new ApiError(400, 'invalid_input', reason, { fields: { id: [reason] } })
      }
      const message = await store.loadMessage(c.var.room, id.data)
      if (!message) {
        throw new ApiError(404, 'message_not_found', 'There is no such message in this room.')
      }
      return c.json(message)
    })
}

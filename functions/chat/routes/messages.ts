import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ChatDeps } from '../app.ts'
import { withReadUrls } from '../attachment-urls.ts'
import { type RoomAuth, requireRoomToken } from '../auth.ts'
import { ApiError, invalidInput } from '../errors.ts'
import {
  type Attachment,
  fileTooLargeMessage,
  historyQuerySchema,
  MAX_REQUEST_BYTES,
  messageIdSchema,
  postMessageRequestSchema,
} from '../protocol.ts'
import { jsonBody } from '../request.ts'
import { requireRoomFile } from './uploads.ts'

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
export function messageRoutes({ config, store, media, tokens }: ChatDeps) {
  const signed = (messages: Parameters<typeof withReadUrls>[1]) =>
    withReadUrls(media, messages, config.mediaUrlTtlSeconds)

  /** Each file must be this room's, uploaded completely, and what the message says it is. */
  async function requireUploaded(room: string, attachments: readonly Attachment[]) {
    for (const file of attachments) requireRoomFile(room, file)
    const stored = await Promise.all(attachments.map((file) => media.stat(file.path)))
    attachments.forEach((file, index) => {
      const object = stored[index]
      if (!object) {
        throw new ApiError(
          400,
          'file_not_uploaded',
          `"${file.name}" was never uploaded, or its upload did not finish. Attach it again.`,
        )
      }
      if (object.size > config.mediaMaxBytes) {
        throw new ApiError(
          413,
          'file_too_large',
          fileTooLargeMessage(file.name, object.size, config.mediaMaxBytes),
        )
      }
      if (object.size !== file.size || object.type !== file.type) {
        throw new ApiError(
          400,
          'file_mismatch',
          `"${file.name}" is stored as ${object.type}, ${object.size} bytes, not as the message says.`,
        )
      }
    })
  }

  return new Hono<RoomAuth>()
    .use('/rooms/:room/messages', requireRoomToken(tokens))
    .use('/rooms/:room/messages/:id', requireRoomToken(tokens))
    .post(
      '/rooms/:room/messages',
      bodyLimit({ maxSize: MAX_REQUEST_BYTES, onError: tooLarge }),
      async (c) => {
        const { id, body, attachments } = await jsonBody(c, postMessageRequestSchema)
        await requireUploaded(c.var.room, attachments)
        const outcome = await store.persistMessage(
          { id, room: c.var.room, sender: c.var.user, body, attachments },
          config.rateLimit,
        )
        switch (outcome.kind) {
          case 'created':
          case 'duplicate': {
            const [message] = await signed([outcome.message])
            return c.json(message, outcome.kind === 'created' ? 201 : 200)
          }
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
      const page = await store.loadHistoryPage(c.var.room, query.data)
      return c.json({ messages: await signed(page.messages), hasMore: page.hasMore })
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
      const [withUrls] = await signed([message])
      return c.json(withUrls)
    })
}

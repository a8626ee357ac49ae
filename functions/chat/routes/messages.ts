import { type Context, Hono } from 'hono'
import {
  type Attachment,
  editMessageRequestSchema,
  historyQuerySchema,
  isMessageIdOf,
  MAX_POLL_QUESTION_CHARS,
  PREBUILT_SENDER_PREFIX,
  postMessageRequestSchema,
  prebuiltDateMs,
  prebuiltMessageId,
  prebuiltMessageRequestSchema,
  SEND_REFUSALS,
  type SendRefusal,
  slowModeMessageFor,
} from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import { requireUploaded } from '../attachments.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError, senderBlocked } from '../errors.ts'
import type { PostOutcome } from '../message-store.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody, messageIdParam, queryParams } from '../request.ts'
import { createRoomPeople } from '../room-people.ts'

const notFound = () =>
  new ApiError(404, 'message_not_found', 'There is no such message in this room.')

const blocked = (reason: string) => senderBlocked(reason, 'sending messages')

/** Why a reply's parent will not do, by the reason the database gave. */
const INVALID_REPLY = {
  other_room: 'The message you reply to is in another room. Reply to a message of this room.',
  unknown:
    'There is no message with this id to reply to (it may never have been saved). Send it without the reply, or reply to another message.',
  private:
    'A reply to a private message stays private: send it privately to the other person of that conversation.',
} as const

/** A reply whose parent will not do: why, in the field it concerns. */
function invalidReply(reason: keyof typeof INVALID_REPLY): ApiError {
  const why = INVALID_REPLY[reason]
  return new ApiError(400, 'invalid_reply', why, { fields: { replyTo: [why] } })
}

/**
 * Why an edit is refused while the room's settings do not let its sender send (the codes of a new
 * message's refusals): editing an old message would publish all the same.
 */
const EDIT_REFUSALS = {
  chat_off: 'Chat is turned off in this room: messages cannot be edited now.',
  owners_only: 'Only owners can send or edit messages in this room right now.',
  private_off: 'Private messages are turned off in this room: they cannot be edited now.',
} as const satisfies Record<SendRefusal, string>

/** A mention whose label is not its person's name in the room: which one, in the field. */
function mislabelledMention(name: string): ApiError {
  const why = `@${name} does not name that person in this room. Mention people by the name they have in this call (pick them from the list that @ opens).`
  return new ApiError(400, 'invalid_mention', why, { fields: { mentions: [why] } })
}

/** What the sender called the file at `path`, for messages about it. */
const fileName = (attachments: readonly Attachment[], path: string) =>
  attachments.find((file) => file.path === path)?.name ?? path

/** A write's outcome as the function's answer: the stored message, or the error that says why not. */
async function answerWrite(
  c: Context<RoomEnv>,
  outcome: PostOutcome,
  attachments: readonly Attachment[],
  signed: (messages: Parameters<typeof withReadUrls>[1]) => ReturnType<typeof withReadUrls>,
) {
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
    case 'blocked':
      throw blocked(outcome.reason)
    case 'rate_limited':
      throw new ApiError(
        429,
        'rate_limited',
        `You are sending messages too quickly. Try again in ${outcome.retryAfterSeconds} s.`,
        { headers: { 'Retry-After': String(outcome.retryAfterSeconds) } },
      )
    case 'file_not_yours':
      throw new ApiError(
        403,
        'file_not_yours',
        `"${fileName(attachments, outcome.path)}" was not uploaded by you in this room. Attach your own copy of the file.`,
      )
    case 'file_already_sent':
      throw new ApiError(
        409,
        'file_already_sent',
        `"${fileName(attachments, outcome.path)}" was already sent with another message. Attach the file again to send it once more.`,
      )
    case 'invalid_reply':
      throw invalidReply(outcome.reason)
    case 'mislabelled_mention':
      throw mislabelledMention(outcome.name)
    case 'chat_off':
    case 'owners_only':
    case 'private_off':
      throw new ApiError(403, outcome.kind, SEND_REFUSALS[outcome.kind])
    case 'slow_mode':
      throw new ApiError(429, 'slow_mode', slowModeMessageFor(outcome.retryAfterSeconds), {
        headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
      })
  }
}

/**
 * How many Daily Prebuilt messages one person may relay, as a multiple of the messages one person
 * may send: one Backchannel client relays everyone on Prebuilt, yet a flood of made-up Prebuilt
 * messages (each under a new session id, so that no sender's own rate limit meets it) stops here.
 */
const PREBUILT_RELAY_FACTOR = 5

/**
 * `POST` and `GET /rooms/:room/messages`: persist one message, read history a page at a time;
 * `POST /rooms/:room/messages/prebuilt`: store a Daily Prebuilt chat message seen in the call;
 * `GET /rooms/:room/messages/:id`: one message (announced live by reference when too large);
 * `PATCH` and `DELETE` it: edit or delete it. Mounted at `/rooms/:room/messages`, behind the token.
 */
export function messageRoutes({ config, store, media }: ChatDeps) {
  const signed = (messages: Parameters<typeof withReadUrls>[1]) =>
    withReadUrls(media, messages, config.mediaUrlTtlSeconds)

  /** Edits and deletions share one quota per person. */
  const requireEditQuota = (userId: string) =>
    requireQuota(
      store,
      'edit',
      userId,
      config.quotas.edit,
      'You are editing or deleting messages too quickly',
    )

  // Whoever writes or reads a room's history is in it under their token's name: mentions of
  // them are checked against it (room-people.ts).
  const people = createRoomPeople(store)

  return new Hono<RoomEnv>()
    .post('/', async (c) => {
      const { id, body, attachments, replyTo, mentions, to, toName, poll } = await jsonBody(
        c,
        postMessageRequestSchema,
      )
      // Read once: Hono builds a new object on every read of c.var.
      const { room, user } = c.var
      if (!isMessageIdOf(id, user.id)) {
        // Ids carry their sender, so nobody can store (or block) a message under an id seen live.
        throw new ApiError(
          403,
          'foreign_message_id',
          'This message id belongs to someone else. Make ids with newMessageId(your user id) and send the message with a new one.',
        )
      }
      if (to === user.id) {
        const why =
          'A private message is for someone else: choose another person, or send it to everyone.'
        throw new ApiError(400, 'invalid_input', why, { fields: { to: [why] } })
      }
      await requireUploaded(media, room, attachments, config.mediaMaxBytes)
      // Before the write: a sender may mention themselves, or someone whose history read has just
      // been answered, their record still on its way.
      await people.note(c.var.claims)
      if (mentions?.length) await people.settled()
      const outcome = await store.persistMessage(
        {
          id,
          room,
          sender: user,
          body,
          attachments,
          replyTo,
          mentions,
          ...(to ? { to: toName ? { id: to, name: toName } : { id: to } } : {}),
          senderIsOwner: c.var.owner,
          ...(poll ? { poll } : {}),
        },
        config.rateLimit,
      )
      return answerWrite(c, outcome, attachments, signed)
    })
    .post('/prebuilt', async (c) => {
      // Every client in the call relays what it saw; the derived id makes their writes one
      // message (docs/prebuilt.md says what this does and does not guarantee).
      const { id, sessionId, name, body, date } = await jsonBody(c, prebuiltMessageRequestSchema)
      const { room, user } = c.var
      const dateMs = prebuiltDateMs(date)
      if (
        dateMs === undefined ||
        id !== prebuiltMessageId({ room, sessionId, name, body, dateMs })
      ) {
        const why =
          "This id is not the one derived from the Prebuilt message's room, session, name, text and date. Make it with prebuiltMessageId()."
        throw new ApiError(400, 'invalid_prebuilt_id', why, { fields: { id: [why] } })
      }
      // A person blocked here relays nothing either: the message's own check is of its sender.
      const blockReason = await store.senderBlockReason(room, user.id)
      if (blockReason !== undefined) throw blocked(blockReason)
      await requireQuota(
        store,
        'prebuilt',
        user.id,
        {
          count: config.rateLimit.messages * PREBUILT_RELAY_FACTOR,
          windowSeconds: config.rateLimit.windowSeconds,
        },
        'You are relaying Daily Prebuilt messages too quickly',
      )
      const outcome = await store.persistMessage(
        {
          id,
          room,
          sender: { id: `${PREBUILT_SENDER_PREFIX}${sessionId}`, name },
          body,
          attachments: [],
          // Nothing says who a Prebuilt sender is: never an owner, whatever they are in the call.
          senderIsOwner: false,
        },
        config.rateLimit,
      )
      return answerWrite(c, outcome, [], signed)
    })
    .get('/', async (c) => {
      const query = queryParams(c, historyQuerySchema, 'history')
      // The reader is recorded in the room (for mentions) beside the read, which does not wait for
      // it: when a big call starts, everyone's first page would wait for everyone's record. A
      // failed record is forgotten, and written again on the token's next request.
      people.note(c.var.claims).catch(() => {})
      const page = await store.loadHistoryPage(c.var.room, query, c.var.user.id)
      return c.json({
        messages: await signed(page.messages),
        hasMore: page.hasMore,
        revision: page.revision,
      })
    })
    .get('/:id', async (c) => {
      const { room, user } = c.var
      const message = await store.loadMessage(room, messageIdParam(c), user.id)
      if (!message) throw notFound()
      const [withUrls] = await signed([message])
      return c.json(withUrls)
    })
    .patch('/:id', async (c) => {
      const id = messageIdParam(c)
      const { body } = await jsonBody(c, editMessageRequestSchema)
      await requireEditQuota(c.var.user.id)
      const outcome = await store.editMessage(c.var.room, id, c.var.user.id, body, c.var.owner)
      switch (outcome.kind) {
        case 'edited':
        case 'unchanged': {
          const [message] = await signed([outcome.message])
          return c.json(message)
        }
        case 'not_found':
          throw notFound()
        case 'deleted':
          throw new ApiError(
            410,
            'message_deleted',
            'This message was deleted; it cannot be edited.',
          )
        case 'forbidden':
          throw new ApiError(403, 'not_your_message', 'Only the sender can edit a message.')
        case 'empty':
          throw new ApiError(400, 'invalid_input', 'The message is empty.', {
            fields: { body: ['The message is empty.'] },
          })
        case 'question_too_long': {
          const why = `A poll's question is at most ${MAX_POLL_QUESTION_CHARS} characters. Shorten it.`
          throw new ApiError(400, 'invalid_input', why, { fields: { body: [why] } })
        }
        case 'blocked':
          throw blocked(outcome.reason)
        case 'chat_off':
        case 'owners_only':
        case 'private_off':
          throw new ApiError(403, outcome.kind, EDIT_REFUSALS[outcome.kind])
      }
    })
    .delete('/:id', async (c) => {
      const id = messageIdParam(c)
      await requireEditQuota(c.var.user.id)
      const outcome = await store.deleteMessage(c.var.room, id, c.var.user.id, c.var.owner)
      switch (outcome.kind) {
        case 'deleted':
          return c.body(null, 204)
        case 'not_found':
          throw notFound()
        case 'forbidden':
          throw new ApiError(
            403,
            'not_your_message',
            'Only the sender or a room owner can delete this message.',
          )
      }
    })
}

import {
  type Attachment,
  fitsLiveChannel,
  messageTextSchema,
  type NewPoll,
  type PrebuiltMessageRequest,
  prebuiltDateMs,
  type StoredMessage,
  storedMessageSchema,
  userNameSchema,
} from '@shared/protocol.ts'
import { z } from 'zod'
import type { RoomApi } from './chat-api.ts'
import type { ChatTransport } from './live-channel.ts'

// Daily Prebuilt's own chat, both ways (docs/prebuilt.md). Daily does not document its format
// (`{ event: 'chat-msg', message, name, room: 'main-room', date }`, as Daily's own demo sends it):
// it is read and written here and nowhere else.

/** The only `room` of Prebuilt's chat taken: a breakout's chat is not the whole call's. */
const PREBUILT_MAIN_ROOM = 'main-room'

/**
 * The field a Backchannel client adds to the copy of its message it sends to Prebuilt's chat.
 * Other Backchannel clients have the message itself (its envelope) and skip the copy.
 */
const BACKCHANNEL_COPY_FIELD = 'backchannelId'

/** What a sender whose names will not do as a name here is stored and shown as. */
const PREBUILT_FALLBACK_NAME = 'Daily Prebuilt guest'

/** Said at the end of a message cut to fit Prebuilt's chat. */
const CUT_NOTE = '… (cut: the whole message is in Backchannel)'

const prebuiltChatSchema = z.object({
  event: z.literal('chat-msg'),
  // Bounded before anything else looks at it; the text's own rules come after.
  message: z.string().max(64_000),
  name: z.string().max(1024).optional(),
  room: z.literal(PREBUILT_MAIN_ROOM).optional(),
  // A string in what was seen; a number read as its digits, should a sender send one.
  date: z.union([z.string().max(64), z.number().int().nonnegative().transform(String)]).optional(),
})

/** A Prebuilt chat message as received: its text, the name it claims, and when it says it was. */
export interface PrebuiltChat {
  body: string
  /** The name the message claims (a valid name, or undefined). */
  claimedName?: string
  /** Its `date` (ms since 1970) as sent, when it has one: what lets every client make one id. */
  dateMs?: number
  /** Its `date` as sent, for the function to derive the same id. */
  date?: string
}

/**
 * The text, claimed name and date of a Prebuilt chat message of the main room; undefined for
 * anything else, including a chat-msg whose text, room or date will not do, and the copies other
 * Backchannel clients send to Prebuilt (see isBackchannelCopy).
 */
export function parsePrebuiltChat(data: unknown): PrebuiltChat | undefined {
  if (isBackchannelCopy(data)) return undefined
  const parsed = prebuiltChatSchema.safeParse(data)
  if (!parsed.success) return undefined
  const body = messageTextSchema.safeParse(parsed.data.message)
  if (!body.success || body.data === '') return undefined
  const { date } = parsed.data
  const dateMs = date === undefined ? undefined : prebuiltDateMs(date)
  if (date !== undefined && dateMs === undefined) return undefined
  const name = userNameSchema.safeParse(parsed.data.name)
  return {
    body: body.data,
    ...(name.success ? { claimedName: name.data } : {}),
    ...(date !== undefined ? { date, dateMs } : {}),
  }
}

/** Whether `data` is a Backchannel client's copy of its own message for Prebuilt's chat. */
export function isBackchannelCopy(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as Record<string, unknown>).event === 'chat-msg' &&
    BACKCHANNEL_COPY_FIELD in data
  )
}

/**
 * The name a Prebuilt message is shown and stored under, the same on every client: the name Daily
 * gives its session (the participant list), else the one it claims, else a fixed one.
 */
export function prebuiltSenderName(participantName: string | undefined, chat: PrebuiltChat) {
  const listed = userNameSchema.safeParse(participantName)
  if (listed.success) return listed.data
  return chat.claimedName ?? PREBUILT_FALLBACK_NAME
}

/** Prebuilt's chat message, as Daily's demo sends it, with Backchannel's mark. */
export interface PrebuiltChatPayload {
  event: 'chat-msg'
  message: string
  name: string
  room: typeof PREBUILT_MAIN_ROOM
  /** `Date.now().toString()`, as Daily's demo sends it. */
  date: string
  backchannelId: string
}

/** A Backchannel message to the room, as it is copied to Prebuilt's chat. */
export interface MessageForPrebuilt {
  id: string
  body: string
  attachments: readonly Attachment[]
  poll?: NewPoll
  /** The sender's name. */
  name: string
}

/** What Prebuilt's people read of a message: its text, a poll's options, its files' names. */
function prebuiltText({ body, attachments, poll }: MessageForPrebuilt): string {
  const lines = [poll ? `Poll: ${body}` : body]
  if (poll) lines.push(...poll.options.map((option) => `• ${option}`), '(vote in Backchannel)')
  if (attachments.length > 0) {
    lines.push(`Files in Backchannel: ${attachments.map((file) => file.name).join(', ')}`)
  }
  return lines.filter((line) => line !== '').join('\n')
}

/**
 * Prebuilt's chat message for a Backchannel message to the room, within Daily's 4,096 characters
 * of JSON: a text that would not fit is cut (never inside a character) and ends with a note that
 * the whole message is in Backchannel.
 *
 * @example transport.send(prebuiltChatFor({ id, body, attachments: [], name: 'Ana' }, Date.now()))
 */
export function prebuiltChatFor(message: MessageForPrebuilt, now: number): PrebuiltChatPayload {
  const payload = (text: string): PrebuiltChatPayload => ({
    event: 'chat-msg',
    message: text,
    name: message.name,
    room: PREBUILT_MAIN_ROOM,
    date: String(now),
    [BACKCHANNEL_COPY_FIELD]: message.id,
  })
  const text = prebuiltText(message)
  const whole = payload(text)
  if (fitsLiveChannel(whole)) return whole
  // The longest start of the text (in code points) that fits with the note.
  const characters = [...text]
  let fits = 0
  let tooLong = characters.length
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2)
    if (fitsLiveChannel(payload(characters.slice(0, middle).join('') + CUT_NOTE))) fits = middle
    else tooLong = middle
  }
  return payload(characters.slice(0, fits).join('') + CUT_NOTE)
}

/**
 * Sends the copy to everyone in the call (Prebuilt's people among them); never throws. Nothing
 * retries it: Prebuilt keeps no history either, and a copy sent twice would show twice there.
 */
export function sendToPrebuilt(
  transport: Pick<ChatTransport, 'send'>,
  payload: PrebuiltChatPayload,
  log: (message: string, detail?: unknown) => void,
): void {
  try {
    transport.send(payload)
  } catch (error) {
    log("could not copy a message to Daily Prebuilt's chat", error)
  }
}

/** Stores a Prebuilt chat message seen in the call; every client that saw it may, it is one. */
export function storePrebuiltMessage(
  api: Pick<RoomApi, 'route'>,
  request: PrebuiltMessageRequest,
): Promise<StoredMessage> {
  return api.route('/messages/prebuilt', storedMessageSchema, { method: 'POST', json: request })
}

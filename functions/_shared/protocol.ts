/**
 * The chat protocol: every shape that crosses a boundary between the SPA, the chat function and
 * the database, as zod schemas. The SPA and the function both import this module; nothing else
 * declares a message, token or error shape.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import emojiRegex from 'emoji-regex'
import { z } from 'zod'
import { fullyQualifiedEmoji } from './emoji-spelling.ts'
import { mentionsShownIn } from './message-format.ts'
import { INVISIBLE, nameSkeleton } from './name-skeleton.ts'

/** Daily's room names: letters, digits, `-` and `_`, 1 to 128 characters. */
const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/
const MAX_BODY_CHARS = 4000
const MAX_USER_NAME_CHARS = 64
export const MAX_REQUEST_BYTES = 64 * 1024
export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200

// Control characters, lone surrogates (text that is not valid Unicode) and the bidi overrides that
// let a name or text display as something else.
const CONTROL_IN_NAME = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u
// A message may keep its line breaks and tabs (carriage returns are line breaks by then); every
// other control character is refused.
const CONTROL_IN_BODY = /(?![\t\n])[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u
// Something a reader can see: not only spaces, format characters (zero-width space, direction
// marks...), default-ignorable characters (the Hangul fillers U+115F, U+1160, U+3164, U+FFA0...)
// and the braille blank U+2800, all of which render as nothing.
const VISIBLE = /[^\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u
// Invisible characters that a name may not start or end with: spaces, zero-width characters,
// direction marks (U+200E, U+200F, U+061C), fillers. Not the variation selectors and tags that end
// emoji (❤️, flags), nor the bidi controls above, which are refused rather than hidden.
const EDGE_INVISIBLE =
  '[\\s\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180E\\u200B-\\u200F\\u2060-\\u2064\\u206A-\\u206F\\u2800\\u3164\\uFFA0]'
const INVISIBLE_EDGES = new RegExp(`^${EDGE_INVISIBLE}+|${EDGE_INVISIBLE}+$`, 'gu')
/** What messages sent with Daily's REST API show as their sender: nobody may take it. */
export const ROOM_SENDER_NAME = 'Room'
/** Daily Prebuilt's senders are stored as this prefix and their Daily session id (prebuilt.md). */
export const PREBUILT_SENDER_PREFIX = 'prebuilt:'

/** Length in characters (code points), the way Postgres' char_length counts. */
const charCount = (text: string) => [...text].length

// Text longer than this many UTF-16 units is refused before any per-character rule runs: a code
// point is at most two units, and the rest leaves room for surrounding spaces that trimming removes.
const rawLimit = (maxChars: number) => maxChars * 4

const RESERVED_SKELETON = nameSkeleton(ROOM_SENDER_NAME)
/** Whether `name` passes for the reserved sender name: its case, width, lookalikes aside ("Rооm"). */
const isReservedName = (name: string) => nameSkeleton(name) === RESERVED_SKELETON

// Invisible characters between a name's letters (zero-width spaces and joiners, variation
// selectors, tag characters, direction marks, fillers) make "An\u200Ba" a second "Ana": they are
// removed. An emoji keeps its own (👩‍💻 and flags are drawn by them), found by emoji-regex, which
// knows Unicode's emoji sequences. (INVISIBLE: the characters a skeleton drops too.)
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u
// The alphabets whose letters pass for each other (Latin "a", Cyrillic "а", Greek "α"): a word
// written in two of them is how "Аna" imitates "Ana". No one's name mixes them within a word.
const LOOKALIKE_ALPHABETS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u]

/** Whether a word of `name` mixes Latin, Cyrillic or Greek letters (Unicode TR39's mixed script). */
const mixesAlphabets = (name: string) =>
  name
    .split(/\s+/u)
    .some((word) => LOOKALIKE_ALPHABETS.filter((alphabet) => alphabet.test(word)).length > 1)

/** `name` without the invisible characters outside its emoji. */
function withoutHiddenCharacters(name: string): string {
  let kept = ''
  let from = 0
  for (const emoji of name.matchAll(emojiRegex())) {
    kept += name.slice(from, emoji.index).replace(INVISIBLE, '') + emoji[0]
    from = emoji.index + emoji[0].length
  }
  return kept + name.slice(from).replace(INVISIBLE, '')
}

export const roomNameSchema = z
  .string()
  .regex(ROOM_NAME_PATTERN, 'Room names use letters, digits, "-" and "_", 1 to 128 characters.')

const nameTooLong = `Names are at most ${MAX_USER_NAME_CHARS} characters.`
export const userNameSchema = z
  .string({ error: 'Your name must be text.' })
  .max(rawLimit(MAX_USER_NAME_CHARS), { message: nameTooLong, abort: true })
  .refine((name) => name.trim() === '' || VISIBLE.test(name), {
    message: 'This name shows as blank. Use letters or digits people can see.',
    abort: true,
  })
  .overwrite((name) => name.replace(INVISIBLE_EDGES, ''))
  // One problem at a time (abort): each message is the one to act on, the join screen shows it.
  .refine((name) => name !== '', { message: 'Enter your name.', abort: true })
  .refine((name) => charCount(name) <= MAX_USER_NAME_CHARS, { message: nameTooLong, abort: true })
  .refine((name) => !CONTROL_IN_NAME.test(name), {
    message: 'Names cannot contain control or invalid characters.',
    abort: true,
  })
  .overwrite((name) => withoutHiddenCharacters(name).replace(INVISIBLE_EDGES, ''))
  .refine((name) => LETTER_OR_DIGIT.test(name), {
    message: 'Names need at least one letter or digit (emoji are welcome beside them).',
    abort: true,
  })
  .refine((name) => !isReservedName(name), {
    message: `"${ROOM_SENDER_NAME}" is the name of messages from the room itself. Choose another name.`,
    abort: true,
  })
  .refine((name) => !mixesAlphabets(name), {
    message:
      'This name mixes Latin, Cyrillic or Greek letters within a word (they look alike). Write each word in one alphabet.',
  })

const messageTooLong = `Messages are at most ${MAX_BODY_CHARS.toLocaleString('en')} characters.`
/**
 * Message text: may be empty (a message of files alone), never only invisible characters. CRLF
 * and lone CR become \n first: one line-break model everywhere the text goes (the transcript
 * splits lines on \n only).
 */
export const messageTextSchema = z
  .string({ error: 'The message must be text.' })
  .max(rawLimit(MAX_BODY_CHARS), { message: messageTooLong, abort: true })
  .overwrite((body) => body.replace(/\r\n?/g, '\n'))
  .trim()
  .refine((body) => body === '' || VISIBLE.test(body), { message: 'The message is empty.' })
  .refine((body) => charCount(body) <= MAX_BODY_CHARS, { message: messageTooLong })
  .refine((body) => !CONTROL_IN_BODY.test(body), {
    message:
      'Messages cannot contain control or invalid characters (line breaks and tabs are fine).',
  })

export const messageIdSchema = z
  .uuid({ error: 'Message ids are UUIDs generated by the client.' })
  .transform((id) => id.toLowerCase())

// A message id belongs to its sender. The live channel shows every id before its write lands, so
// an id anyone could claim first would let another member make the sender's write fail (or store
// their own text under it). Ids are UUIDs of version 8 whose first 60 bits are the sender's tag
// (SHA-256 of their user id): nobody can make an id that passes for someone else's, and a retry of
// one send still reuses its id.
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const textBytes = new TextEncoder()

// Tags already computed, by user id: a sender sends many messages, and SHA-256 in JavaScript was
// the largest cost of checking a message id. Bounded: emptied when it reaches TAG_CACHE_SIZE.
const TAG_CACHE_SIZE = 1024
const tags = new Map<string, string>()

/** The 15 hex digits that start (around the version digit) every message id of `userId`. */
function senderTag(userId: string): string {
  let tag = tags.get(userId)
  if (tag === undefined) {
    tag = hex(sha256(textBytes.encode(`backchannel.sender:${userId}`))).slice(0, 15)
    if (tags.size >= TAG_CACHE_SIZE) tags.clear()
    tags.set(userId, tag)
  }
  return tag
}

/**
 * A new message id for a message sent by `userId` (the token's `ud`).
 *
 * @example const id = newMessageId(user.id) // '1f0c2a9b3d4e-8a5f-...'
 */
export function newMessageId(userId: string): string {
  return messageIdOf(userId, hex(crypto.getRandomValues(new Uint8Array(8))))
}

/** The message id of `userId` whose last 61 bits come from `bits` (16 hex digits). */
function messageIdOf(userId: string, bits: string): string {
  const tag = senderTag(userId)
  const variant = '89ab'[Number.parseInt(bits.charAt(0), 16) & 3]
  const digits = `${tag.slice(0, 12)}8${tag.slice(12)}${variant}${bits.slice(1, 16)}`
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`
}

/** Whether `id` is a message id made for `userId` by `newMessageId`. */
export function isMessageIdOf(id: string, userId: string): boolean {
  const digits = id.toLowerCase().replaceAll('-', '')
  return (
    digits.charAt(12) === '8' &&
    `${digits.slice(0, 12)}${digits.slice(13, 16)}` === senderTag(userId)
  )
}

/** `POST /rooms/:room/tokens` */
export const createTokenRequestSchema = z.strictObject({ userName: userNameSchema })

export const chatUserSchema = z.object({ id: z.string(), name: z.string() })
export type ChatUser = z.infer<typeof chatUserSchema>

export const tokenResponseSchema = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  user: chatUserSchema,
})
export type TokenResponse = z.infer<typeof tokenResponseSchema>

/** A person's id: the `ud` claim of their meeting token. */
const userIdSchema = z
  .string({ error: 'User ids are text.' })
  .min(1, 'User ids are 1 to 128 characters.')
  .max(128, 'User ids are 1 to 128 characters.')
  .refine((id) => !CONTROL_IN_NAME.test(id), {
    message: 'User ids cannot contain control or invalid characters.',
  })

/**
 * The claims of a Daily meeting token that chat relies on. Daily defines more (`o`, `d`, ...);
 * they pass through untouched.
 */
export const tokenClaimsSchema = z.looseObject({
  r: roomNameSchema,
  u: userNameSchema,
  // The prefix of Daily Prebuilt's senders is theirs alone: nobody signs in as one.
  ud: userIdSchema.refine((id) => !id.startsWith(PREBUILT_SENDER_PREFIX), {
    message: `User ids starting with "${PREBUILT_SENDER_PREFIX}" are kept for Daily Prebuilt's chat.`,
  }),
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  d: z.string().optional(),
  // Daily's room-owner flag: owners may delete anyone's message.
  o: z.boolean().optional(),
})
export type TokenClaims = z.infer<typeof tokenClaimsSchema>

// Media: what may be shared, and how files are named in storage.

/** Files people may share. Never SVG or HTML: they can carry script. */
export const MEDIA_TYPES = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
} as const
export type MediaType = keyof typeof MEDIA_TYPES
export const DEFAULT_MEDIA_MAX_BYTES = 25 * 1024 * 1024
export const MAX_ATTACHMENTS = 10
export const MEDIA_BUCKET = 'chat-media'
/** Images and video show inline; everything else is only ever downloaded. */
export const isInlineMedia = (type: string) =>
  type.startsWith('image/') || type.startsWith('video/')

/** What may be shared, as people read it in error messages. */
export const SHAREABLE_MEDIA =
  'Share images (PNG, JPEG, GIF, WebP), video (MP4, WebM), PDF or plain text.'

/** Sizes as people read them in error messages: "3.4 MB". */
const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`

/** Why a file is too large, said the same way by the SPA and the function. */
export const fileTooLargeMessage = (name: string, size: number, maxBytes: number) =>
  `${name} is ${megabytes(size)}; files are at most ${megabytes(maxBytes)}.`

const mediaTypeSchema = z.enum(Object.keys(MEDIA_TYPES) as [MediaType, ...MediaType[]], {
  error: `This kind of file cannot be shared. ${SHAREABLE_MEDIA}`,
})

const MAX_FILE_NAME_CHARS = 255
const fileNameTooLong = `File names are at most ${MAX_FILE_NAME_CHARS} characters.`
/** A file's name as people see it; storage never uses it as a path. */
export const fileNameSchema = z
  .string({ error: 'The file name must be text.' })
  .max(rawLimit(MAX_FILE_NAME_CHARS), { message: fileNameTooLong, abort: true })
  .trim()
  .min(1, 'The file needs a name.')
  .refine((name) => charCount(name) <= MAX_FILE_NAME_CHARS, { message: fileNameTooLong })
  .refine((name) => !/[/\\]/.test(name) && name !== '.' && name !== '..', {
    message: 'File names cannot contain / or \\, or be . or ..',
  })
  .refine((name) => !CONTROL_IN_NAME.test(name), {
    message: 'File names cannot contain control or invalid characters.',
  })

const dimensionSchema = z.number().int().min(1).max(32_768)

/**
 * Where a room's file lives in storage: `<room>/<uuid>.<ext>`, under the room's own prefix with a
 * random id. The person's file name is kept beside it, never in it.
 */
export const MEDIA_PATH_PATTERN =
  /^([A-Za-z0-9_-]{1,128})\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]{2,4}$/
const mediaPathSchema = z
  .string()
  .regex(MEDIA_PATH_PATTERN, 'This is not a file path of this chat.')

/** `POST /rooms/:room/uploads` */
export const uploadRequestSchema = z.strictObject({
  name: fileNameSchema,
  type: mediaTypeSchema,
  size: z.number({ error: 'size is the file size in bytes.' }).int().positive('The file is empty.'),
  width: dimensionSchema.optional(),
  height: dimensionSchema.optional(),
})
export type UploadRequest = z.infer<typeof uploadRequestSchema>

export const uploadResponseSchema = z.object({
  uploadUrl: z.string(),
  method: z.literal('PUT'),
  path: mediaPathSchema,
  expiresAt: z.iso.datetime(),
})
export type UploadResponse = z.infer<typeof uploadResponseSchema>

/** A file attached to a message, as sent (live and to the function) and as stored. */
export const attachmentSchema = z.strictObject({
  path: mediaPathSchema,
  name: fileNameSchema,
  type: mediaTypeSchema,
  size: z.number().int().positive(),
  width: dimensionSchema.optional(),
  height: dimensionSchema.optional(),
})
export type Attachment = z.infer<typeof attachmentSchema>

/**
 * As the function returns it: with a signed URL to read the file, which expires; without one when
 * the file is gone from storage.
 */
const storedAttachmentSchema = attachmentSchema.extend({
  url: z.string().optional(),
  /** When `url` stops working: a page open longer asks for new URLs before then. */
  urlExpiresAt: z.iso.datetime().optional(),
})
export type StoredAttachment = z.infer<typeof storedAttachmentSchema>

const attachmentsSchema = z
  .array(attachmentSchema)
  .max(MAX_ATTACHMENTS, `A message carries at most ${MAX_ATTACHMENTS} files.`)
  .refine((files) => new Set(files.map((file) => file.path)).size === files.length, {
    message: 'The same file is attached twice.',
  })

/** `POST /rooms/:room/attachments/sign`: files announced live, to get URLs to read them. */
export const signAttachmentsRequestSchema = z.strictObject({
  attachments: z.array(attachmentSchema).min(1).max(MAX_ATTACHMENTS),
})

/** The answer to `POST /rooms/:room/attachments/sign`: the same files, with URLs. */
export const signAttachmentsResponseSchema = z.object({
  attachments: z.array(storedAttachmentSchema),
})

/** A message says something, carries files, or both. */
const withContent = <T extends { body: string; attachments?: unknown[] }>(message: T) =>
  message.body !== '' || (message.attachments?.length ?? 0) > 0

/** What a message replies to: the id of another message of its room. */
const replyToSchema = z
  .uuid({ error: 'replyTo is the id of the message this one replies to.' })
  .transform((id) => id.toLowerCase())

// Mentions: `@Name` in a message's text, and who that is, so a mention still names the right
// person when two share a name or someone is renamed.

/** How many people one message may mention. */
export const MAX_MENTIONS = 20

/** One person a message mentions: its text says `@name`, and `userId` is who is meant. */
export const mentionSchema = z.strictObject({ userId: userIdSchema, name: userNameSchema })
export type Mention = z.infer<typeof mentionSchema>

/** The text a mention shows as in a message: `@Ana`. */

/**
 * The mentions that the text shows as mentions (message-format.ts reads them as readers see them:
 * `@Name` as a word of its own, outside code and links; two people of one name by order). A sent
 * message keeps only those; the function refuses a message with any other.
 */
export const mentionsNamedIn = <T extends Mention>(body: string, mentions: readonly T[]): T[] => {
  const shown = mentionsShownIn(body, mentions)
  return mentions.filter((mention) => shown.has(mention.userId))
}

const mentionsSchema = z
  .array(mentionSchema)
  .max(MAX_MENTIONS, `A message mentions at most ${MAX_MENTIONS} people.`)
  .refine((mentions) => new Set(mentions.map((m) => m.userId)).size === mentions.length, {
    message: 'The same person is mentioned twice.',
  })

/** Every mention must show in the text as `@name`: nobody is notified by a name they cannot see. */
const mentionsShown = (message: { body: string; mentions?: readonly Mention[] }) =>
  mentionsNamedIn(message.body, message.mentions ?? []).length === (message.mentions?.length ?? 0)
const MENTION_NOT_IN_TEXT =
  "Each mention must appear in the text as @ and the person's name, as a word of its own and outside code and links."

// Polls: a message whose text is the question, with 2 to 10 options; one vote per person.

export const MIN_POLL_OPTIONS = 2
export const MAX_POLL_OPTIONS = 10
const MAX_POLL_OPTION_CHARS = 100
/** A poll's question (its message's text) is shorter than a message may be. */
export const MAX_POLL_QUESTION_CHARS = 300
const optionTooLong = `Poll options are at most ${MAX_POLL_OPTION_CHARS} characters.`

/** One option of a poll: text people can see, on one line, 1 to 100 characters. */
const pollOptionSchema = z
  .string({ error: 'Each poll option is text.' })
  .max(rawLimit(MAX_POLL_OPTION_CHARS), { message: optionTooLong, abort: true })
  .trim()
  .refine((text) => VISIBLE.test(text), {
    message: 'A poll option is empty. Write the choice, or remove the option.',
    abort: true,
  })
  .refine((text) => charCount(text) <= MAX_POLL_OPTION_CHARS, { message: optionTooLong })
  .refine((text) => !CONTROL_IN_NAME.test(text), {
    message: 'Poll options are one line of text, without control or invalid characters.',
  })

const pollOptionCount = `A poll has ${MIN_POLL_OPTIONS} to ${MAX_POLL_OPTIONS} options.`

/** A new poll, as sent with its message (to the function and live): its options, in order. */
export const newPollSchema = z.strictObject({
  options: z
    .array(pollOptionSchema, {
      error: `options is a list of ${MIN_POLL_OPTIONS} to ${MAX_POLL_OPTIONS} texts.`,
    })
    .min(MIN_POLL_OPTIONS, pollOptionCount)
    .max(MAX_POLL_OPTIONS, pollOptionCount)
    .refine(
      (options) => new Set(options.map((option) => option.toLowerCase())).size === options.length,
      { message: 'Two options of the poll are the same. Make each option different.' },
    ),
})
export type NewPoll = z.infer<typeof newPollSchema>

/**
 * What a poll asks of the rest of its message: a question of at most MAX_POLL_QUESTION_CHARS, no
 * files, and the whole room (a private message is never a poll). Each refusal is said in the field
 * it concerns.
 */
function checkPollMessage(
  message: { body: string; attachments?: unknown[]; to?: string; poll?: NewPoll },
  context: z.RefinementCtx,
) {
  if (!message.poll) return
  if (charCount(message.body) > MAX_POLL_QUESTION_CHARS) {
    context.addIssue({
      code: 'custom',
      path: ['body'],
      message: `A poll's question is at most ${MAX_POLL_QUESTION_CHARS} characters. Shorten it, or send it as a message.`,
    })
  }
  if ((message.attachments?.length ?? 0) > 0) {
    context.addIssue({
      code: 'custom',
      path: ['attachments'],
      message: 'A poll carries no files. Send the files in a message of their own.',
    })
  }
  if (message.to !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['to'],
      message: 'Polls are for the whole room: a private message cannot be a poll.',
    })
  }
}

/** `PUT /rooms/:room/messages/:id/poll/vote`: the chosen option, by its position from 0. */
export const pollVoteSchema = z.strictObject({
  option: z
    .number({ error: 'option is the position of the chosen option, a whole number from 0.' })
    .int('option is the position of the chosen option, a whole number from 0.')
    .min(0, 'option is the position of the chosen option, a whole number from 0.')
    .max(
      MAX_POLL_OPTIONS - 1,
      `A poll has at most ${MAX_POLL_OPTIONS} options: option is 0 to ${MAX_POLL_OPTIONS - 1}.`,
    ),
})

/** `POST /rooms/:room/messages` */
export const postMessageRequestSchema = z
  .strictObject({
    id: messageIdSchema,
    body: messageTextSchema.default(''),
    attachments: attachmentsSchema.default([]),
    /** The message this one replies to: a message of the same room (else 400 invalid_reply). */
    replyTo: replyToSchema.optional(),
    /** The people it mentions, each named in the text as `@name`. */
    mentions: mentionsSchema.default([]),
    /** A private message: the user id of the one person it is for. */
    to: userIdSchema.optional(),
    /** The recipient's name as the sender sees it ("Private to Ben"); only with `to`. */
    toName: userNameSchema.optional(),
    /** A poll: `body` is its question (at most 300 characters); no files, never private. */
    poll: newPollSchema.optional(),
  })
  .superRefine(checkPollMessage)
  .refine(withContent, { message: 'The message is empty.', path: ['body'] })
  .refine(mentionsShown, { message: MENTION_NOT_IN_TEXT, path: ['mentions'] })
  .refine((message) => message.toName === undefined || message.to !== undefined, {
    message: 'toName names the recipient of a private message: send it with to.',
    path: ['toName'],
  })

// Reactions: one emoji per person per reaction, at most MAX_REACTION_EMOJI different per message.

/** How many different emoji one message may carry (the database enforces it too). */
export const MAX_REACTION_EMOJI = 20
// One emoji is at most a few code points (a ZWJ family with skin tones is 10); this bounds the
// text before it is looked at, and the database column alike.
const MAX_EMOJI_UNITS = 32
// Skin tones, hair styles and the other parts of sequences: listed by Unicode, not emoji alone.
const EMOJI_COMPONENT = /^\p{Emoji_Component}$/u

/**
 * Whether `emoji` is one emoji of Unicode's list (RGI). emoji-regex matches the sequences Unicode
 * lists (emoji-test.txt) and nothing else, so a made-up flag (🇦🇦), a run of tag characters after
 * 🏴 or a chain of eight people joined by ZWJ is not one match of the whole text.
 */
function isListedEmoji(emoji: string): boolean {
  const found = emoji.match(emojiRegex())
  return found?.length === 1 && found[0] === emoji && !EMOJI_COMPONENT.test(emoji)
}

/**
 * One emoji, as a reaction: refused unless it is exactly one emoji that Unicode recommends for
 * interchange (RGI), spelled as Unicode spells it: ❤ and ❤️, or 👍 and 👍️, are one reaction.
 */
export const emojiSchema = z
  .string({ error: 'A reaction is one emoji.' })
  .max(MAX_EMOJI_UNITS, { message: 'A reaction is one emoji, e.g. 👍.', abort: true })
  .overwrite(fullyQualifiedEmoji)
  .refine(isListedEmoji, {
    message: "A reaction is one emoji from Unicode's list, e.g. 👍 (not text, not several).",
  })

/** One emoji on a message: how many people reacted with it, and who (first to react first). */
const reactionSchema = z.object({
  emoji: z.string(),
  count: z.number().int().positive(),
  userIds: z.array(z.string()),
})
export type Reaction = z.infer<typeof reactionSchema>

/**
 * A poll as the function returns it: the votes for each option, the reader's own vote (`myVote`,
 * the position of their option; absent when they have none) and, once closed, when and by whom
 * (a user id). Who voted for what is never sent to anyone.
 */
const storedPollSchema = z.object({
  options: z.array(z.object({ text: z.string(), votes: z.number().int().nonnegative() })),
  myVote: z.number().int().nonnegative().optional(),
  closedAt: z.iso.datetime().optional(),
  closedBy: z.string().optional(),
})
export type StoredPoll = z.infer<typeof storedPollSchema>

export const storedMessageSchema = z.object({
  id: z.uuid(),
  room: z.string(),
  sender: chatUserSchema,
  body: z.string(),
  attachments: z.array(storedAttachmentSchema),
  createdAt: z.iso.datetime(),
  /** When the sender last edited the text; absent if never. */
  editedAt: z.iso.datetime().optional(),
  /** The message this one replies to; absent if none. It may since be deleted or purged. */
  replyTo: z.uuid().optional(),
  /** The people it mentions (each `@name` in its text); absent if none. */
  mentions: z.array(z.object({ userId: z.string(), name: z.string() })).optional(),
  /**
   * A private message: the user id of the one person it is for, and their name as the sender saw
   * it. Only the sender and this person ever receive it. Absent for a message to the room.
   */
  to: z.string().optional(),
  toName: z.string().optional(),
  /** When a room owner pinned it for everyone; absent when not pinned. */
  pinnedAt: z.iso.datetime().optional(),
  seq: z.number().int().positive(),
  /**
   * Its reactions, in the order each emoji was first given; [] when none. The function always
   * sends them (PersistedMessage requires them); optional here only for a function deployed
   * before reactions, and for messages built by hand.
   */
  reactions: z.array(reactionSchema).optional(),
  /** Its poll, as the reader sees it, when the message is a poll (its text is the question). */
  poll: storedPollSchema.optional(),
  /**
   * Waiting for an owner's approval (the room's messages need approval): only its sender sees it
   * until then. Absent once approved, and for every message that never waited.
   */
  pending: z.literal(true).optional(),
})
export type StoredMessage = z.infer<typeof storedMessageSchema>

const seqCursorSchema = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'Cursors are message seq numbers (positive whole numbers).')
  .transform(Number)

// `after=0` reads a room from its first message: a client that knew of none fills its gap so.
const afterCursorSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,14})$/, 'after is a message seq number, or 0 for the beginning.')
  .transform(Number)

/** `GET /rooms/:room/messages` query string. */
export const historyQuerySchema = z
  .strictObject({
    limit: z
      .string()
      .regex(/^\d{1,4}$/, `limit is a whole number from 1 to ${MAX_PAGE_SIZE}.`)
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, `limit is a whole number from 1 to ${MAX_PAGE_SIZE}.`)
          .max(MAX_PAGE_SIZE, `limit is a whole number from 1 to ${MAX_PAGE_SIZE}.`),
      )
      .default(DEFAULT_PAGE_SIZE),
    before: seqCursorSchema.optional(),
    after: afterCursorSchema.optional(),
  })
  .refine((query) => query.before === undefined || query.after === undefined, {
    message: 'Use either before or after, not both.',
    path: ['after'],
  })
export type HistoryQuery = z.infer<typeof historyQuerySchema>

export const historyPageSchema = z.object({
  messages: z.array(storedMessageSchema),
  hasMore: z.boolean(),
  /** The room's latest revision when the page was read: where catching up on changes starts. */
  revision: z.number().int().nonnegative(),
})
export type HistoryPage = z.infer<typeof historyPageSchema>

/** `PATCH /rooms/:room/messages/:id`: the sender's new text (files stay as they are). */
export const editMessageRequestSchema = z.strictObject({ body: messageTextSchema })

const revisionCursorSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,14})$/, 'since is a revision number, or 0 for the beginning.')
  .transform(Number)

/** `GET /rooms/:room/changes?since=&limit=` query string. */
export const changesQuerySchema = z.strictObject({
  since: revisionCursorSchema,
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `limit is a whole number from 1 to ${MAX_PAGE_SIZE}.`)
    .transform(Number)
    .pipe(z.number().min(1).max(MAX_PAGE_SIZE))
    .default(MAX_PAGE_SIZE),
})
export type ChangesQuery = z.infer<typeof changesQuerySchema>

/** A message written or edited since a revision, or one deleted since (only its id remains). */
const messageChangeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), message: storedMessageSchema }),
  z.object({ type: z.literal('deleted'), id: z.uuid() }),
])

/** What changed in a room after `since`, oldest change first; ask again from `revision`. */
export const changesPageSchema = z.object({
  changes: z.array(messageChangeSchema),
  revision: z.number().int().nonnegative(),
  hasMore: z.boolean(),
  /**
   * The seq of the room's oldest visible message, or null when it has none. Retention removes old
   * messages for good (no change announces them): whatever a client shows below this seq is gone.
   */
  firstSeq: z.number().int().positive().nullable(),
})
export type ChangesPage = z.infer<typeof changesPageSchema>

// Room chat controls, set by the room's owners (tokens with `o: true`).

const MAX_SLOW_MODE_SECONDS = 3600

/** Who may send messages in a room: everyone, owners only, or nobody (chat is off). */
const sendRuleSchema = z.enum(['everyone', 'owners', 'nobody'], {
  error: 'send is "everyone", "owners" or "nobody".',
})
export type SendRule = z.infer<typeof sendRuleSchema>

const slowModeMessage = `slowModeSeconds is a whole number of seconds from 0 (off) to ${MAX_SLOW_MODE_SECONDS}.`

const MAX_RETENTION_DAYS = 3650
const MAX_RETENTION_GRACE_MINUTES = 10_080
const retentionDaysMessage = `retention.days is a whole number of days from 1 to ${MAX_RETENTION_DAYS}.`
const graceMinutesMessage = `retention.graceMinutes is a whole number of minutes from 0 to ${MAX_RETENTION_GRACE_MINUTES} (a week).`

/**
 * How long a room's chat is kept: the project's default purge, a number of days, or until the
 * call ends (the last person left) plus a grace period. The upkeep's purge enforces it.
 */
const roomRetentionSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('default') }),
    z.strictObject({
      kind: z.literal('days'),
      days: z
        .number({ error: retentionDaysMessage })
        .int(retentionDaysMessage)
        .min(1, retentionDaysMessage)
        .max(MAX_RETENTION_DAYS, retentionDaysMessage),
    }),
    z.strictObject({
      kind: z.literal('call'),
      graceMinutes: z
        .number({ error: graceMinutesMessage })
        .int(graceMinutesMessage)
        .min(0, graceMinutesMessage)
        .max(MAX_RETENTION_GRACE_MINUTES, graceMinutesMessage),
    }),
  ],
  { error: 'retention.kind is "default", "days" or "call".' },
)
export type RoomRetention = z.infer<typeof roomRetentionSchema>

/**
 * A room's Q&A rules: who may ask and vote (`chat`: whoever may send, so chat off closes Q&A too;
 * or set on its own), whether askers may hide their name, and whether questions wait for an
 * owner's approval.
 */
const questionSettingsSchema = z.strictObject(
  {
    who: z.enum(['chat', 'everyone', 'owners', 'nobody'], {
      error: 'questions.who is "chat" (as for sending), "everyone", "owners" or "nobody".',
    }),
    anonymous: z.boolean({ error: 'questions.anonymous is true or false.' }),
    needApproval: z.boolean({ error: 'questions.needApproval is true or false.' }),
  },
  { error: 'questions is {who, anonymous, needApproval}.' },
)

/** `GET` and `PUT /rooms/:room/settings`: a room's chat controls. */
export const roomSettingsSchema = z.strictObject({
  send: sendRuleSchema,
  /** Each person (owners excepted) may send one message per this many seconds; 0 is off. */
  slowModeSeconds: z
    .number({ error: slowModeMessage })
    .int(slowModeMessage)
    .min(0, slowModeMessage)
    .max(MAX_SLOW_MODE_SECONDS, slowModeMessage),
  privateMessages: z.boolean({ error: 'privateMessages is true or false.' }),
  /**
   * How long the room's chat is kept (`GET` always answers it; missing reads as the default). A
   * `PUT` without it leaves it as it is.
   */
  retention: roomRetentionSchema.optional(),
  /** The room's Q&A rules (`GET` always answers them). A `PUT` without them leaves them as they are. */
  questions: questionSettingsSchema.optional(),
  /**
   * Whether non-owners' messages to the room wait for an owner's approval (`GET` always answers
   * it). A `PUT` without it leaves it as it is.
   */
  messagesNeedApproval: z.boolean({ error: 'messagesNeedApproval is true or false.' }).optional(),
  /** The project's default retention in days, when the function knows it (`GET` only). */
  defaultRetentionDays: z.number().int().min(1).optional(),
})
export type RoomSettings = z.infer<typeof roomSettingsSchema>

/** A room's settings before an owner changes anything. */
export const DEFAULT_ROOM_SETTINGS: RoomSettings = {
  send: 'everyone',
  slowModeSeconds: 0,
  privateMessages: true,
  retention: { kind: 'default' },
  questions: { who: 'chat', anonymous: false, needApproval: false },
  messagesNeedApproval: false,
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`

/** "15 minutes", "2 hours", "1 day": a grace period in the largest whole unit. */
function gracePeriod(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day')
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour')
  return plural(minutes, 'minute')
}

/**
 * The room's retention in one sentence, as the column, transcripts and exports say it.
 *
 * @example retentionSentence({ kind: 'days', days: 30 }) // 'Chat in this room is kept for 30 days.'
 */
export function retentionSentence(retention: RoomRetention, defaultDays?: number): string {
  switch (retention.kind) {
    case 'days':
      return `Chat in this room is kept for ${plural(retention.days, 'day')}.`
    case 'call':
      return retention.graceMinutes === 0
        ? 'Chat in this room is kept until the call ends.'
        : `Chat in this room is kept until ${gracePeriod(retention.graceMinutes)} after the call ends.`
    case 'default':
      return defaultDays === undefined
        ? "Chat in this room is kept for the project's default period."
        : `Chat in this room is kept for the project's default of ${plural(defaultDays, 'day')}.`
  }
}

/** Why a room's settings refuse a message, by the code of the function's 403. */
export const SEND_REFUSALS = {
  chat_off: 'Chat is turned off in this room.',
  owners_only: 'Only owners can send messages in this room right now.',
  private_off: 'Private messages are turned off in this room.',
} as const
export type SendRefusal = keyof typeof SEND_REFUSALS

/**
 * Why someone may not send a message under a room's settings, slow mode aside (the code of the
 * function's 403; SEND_REFUSALS says it in words), or undefined when they may.
 */
export function sendRefusal(
  settings: RoomSettings,
  sender: { owner: boolean },
  message: { private: boolean },
): SendRefusal | undefined {
  if (settings.send === 'nobody') return 'chat_off'
  if (settings.send === 'owners' && !sender.owner) return 'owners_only'
  if (message.private && !settings.privateMessages) return 'private_off'
  return undefined
}

/** "Slow mode: wait 12 s" (the function's 429 and the composer's countdown say the same). */
export const slowModeMessageFor = (seconds: number) => `Slow mode: wait ${seconds} s`

// Reports: a participant tells the room's owners and ops that someone else's message is a problem.

export const MAX_REPORT_REASON_CHARS = 500
const reasonTooLong = `Reasons are at most ${MAX_REPORT_REASON_CHARS} characters.`

/** `POST /rooms/:room/messages/:id/reports` */
export const reportRequestSchema = z.strictObject({
  reason: z
    .string({ error: 'reason says why the message is a problem.' })
    .max(rawLimit(MAX_REPORT_REASON_CHARS), { message: reasonTooLong, abort: true })
    .overwrite((reason) => reason.replace(/\s+/g, ' '))
    .trim()
    .refine((reason) => VISIBLE.test(reason), { message: 'Say why you report this message.' })
    .refine((reason) => charCount(reason) <= MAX_REPORT_REASON_CHARS, { message: reasonTooLong })
    .refine((reason) => !CONTROL_IN_NAME.test(reason), {
      message: 'Reasons cannot contain control or invalid characters.',
    }),
})

/** The answer to a report: what was recorded (the first report, if the person reported before). */
export const reportResponseSchema = z.object({
  report: z.object({ messageId: z.uuid(), reason: z.string(), createdAt: z.iso.datetime() }),
})
export type ReportResponse = z.infer<typeof reportResponseSchema>

/**
 * `GET /rooms/:room/reports`: what the reader reported in the room (`mine`, message ids), and for
 * a room owner the messages with open reports and how many (`open`; absent for everyone else).
 */
export const roomReportsSchema = z.object({
  mine: z.array(z.uuid()),
  open: z.array(z.object({ messageId: z.uuid(), reports: z.number().int().positive() })).optional(),
})
export type RoomReports = z.infer<typeof roomReportsSchema>

// Search: the words of a query, matched in a room's messages (the last as a prefix, as people type).

/** How long a search may be, and how many words of it count. */
export const MAX_SEARCH_CHARS = 200
const MAX_SEARCH_WORDS = 8
const DEFAULT_SEARCH_PAGE_SIZE = 20
const MAX_SEARCH_PAGE_SIZE = 50

/**
 * The words a search looks for, as the database indexes them: lower case, letters and digits
 * (every other character separates words), the first MAX_SEARCH_WORDS. The SPA highlights the
 * same words in the results.
 *
 * @example searchWords('Ship it, Friday?') // ['ship', 'it', 'friday']
 */
export function searchWords(query: string): string[] {
  return (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_SEARCH_WORDS)
}

const searchLimitMessage = `limit is a whole number from 1 to ${MAX_SEARCH_PAGE_SIZE}.`

/** `GET /rooms/:room/search?q=&before=&limit=` query string. */
export const searchQuerySchema = z.strictObject({
  q: z
    .string({ error: 'q is the text to search for.' })
    .max(MAX_SEARCH_CHARS, `Searches are at most ${MAX_SEARCH_CHARS} characters.`)
    .refine((q) => searchWords(q).length > 0, {
      message: 'Search for at least one word (letters or digits).',
    }),
  before: seqCursorSchema.optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, searchLimitMessage)
    .transform(Number)
    .pipe(z.number().min(1, searchLimitMessage).max(MAX_SEARCH_PAGE_SIZE, searchLimitMessage))
    .default(DEFAULT_SEARCH_PAGE_SIZE),
})

/** The answer to a search: matching messages newest first; `hasMore`: ask with `before`. */
export const searchPageSchema = z.object({
  messages: z.array(storedMessageSchema),
  hasMore: z.boolean(),
})
export type SearchPage = z.infer<typeof searchPageSchema>

/** How many messages a room may have pinned at once. */
export const MAX_PINS = 50

/** `GET /rooms/:room/pins`: the room's pinned messages, the newest pin first. */
export const pinsPageSchema = z.object({ messages: z.array(storedMessageSchema) })
export type PinsPage = z.infer<typeof pinsPageSchema>

const recordingTimeMessage =
  'Give the time as ISO 8601 with its offset (2030-01-01T10:00:00Z) or as milliseconds since 1970.'

/** A moment in a transcript query: ISO 8601 with an offset, or epoch milliseconds; read as ms. */
const recordingTimeSchema = z.string().transform((text, ctx) => {
  const ms = /^\d{1,15}$/.test(text)
    ? Number(text)
    : z.iso.datetime({ offset: true }).safeParse(text).success
      ? Date.parse(text)
      : Number.NaN
  if (Number.isFinite(ms)) return ms
  ctx.addIssue({ code: 'custom', message: recordingTimeMessage })
  return z.NEVER
})

/**
 * `GET /rooms/:room/transcript`: `format` md or json (a document), or vtt (the chat as subtitles,
 * each message a cue timed from `start`, the recording's start; `end` leaves out what came after).
 */
export const transcriptQuerySchema = z
  .strictObject({
    format: z
      .enum(['md', 'json', 'vtt'], {
        error: 'format is md or json (a document), or vtt (subtitles).',
      })
      .default('md'),
    start: recordingTimeSchema.optional(),
    end: recordingTimeSchema.optional(),
  })
  .superRefine(({ format, start, end }, ctx) => {
    if (format === 'vtt' && start === undefined) {
      const message = `Subtitles need start: when the recording started. ${recordingTimeMessage}`
      ctx.addIssue({ code: 'custom', path: ['start'], message })
    }
    for (const [key, value] of [
      ['start', start],
      ['end', end],
    ] as const) {
      if (format !== 'vtt' && value !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} goes with format=vtt only.` })
      }
    }
    if (start !== undefined && end !== undefined && end <= start) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start.' })
    }
  })
export type TranscriptFormat = z.output<typeof transcriptQuerySchema>['format']

const healthResponseSchema = z.object({ ok: z.boolean() })
export type HealthResponse = z.infer<typeof healthResponseSchema>

/** Every error the function answers with. `code` is for programs, `message` for people. */
export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
    /** The request's id (also in `X-Request-Id`): matches the function's log lines. */
    requestId: z.string().optional(),
  }),
})
export type ErrorResponse = z.infer<typeof errorResponseSchema>

// Q&A (issue 22): questions for the room's hosts, apart from the chat, that people upvote.

/** A question's text, at most (questions_body_length in supabase/schemas/57_questions.sql). */
const MAX_QUESTION_CHARS = 500
const questionTooLong = `A question is at most ${MAX_QUESTION_CHARS} characters. Shorten it.`

/** A question's text: like a message's (line breaks allowed), shorter, never empty. */
const questionTextSchema = z
  .string({ error: 'The question must be text.' })
  .max(rawLimit(MAX_QUESTION_CHARS), { message: questionTooLong, abort: true })
  .overwrite((body) => body.replace(/\r\n?/g, '\n'))
  .trim()
  .refine((body) => VISIBLE.test(body), {
    message: 'The question is empty. Write it, then ask.',
    abort: true,
  })
  .refine((body) => charCount(body) <= MAX_QUESTION_CHARS, { message: questionTooLong })
  .refine((body) => !CONTROL_IN_BODY.test(body), {
    message:
      'Questions cannot contain control or invalid characters (line breaks and tabs are fine).',
  })

/**
 * `POST /rooms/:room/questions`: a new question. Its id is made as a message's
 * (newMessageId(your user id)), so it carries its asker and a retry reuses it.
 */
export const askQuestionRequestSchema = z.strictObject({
  id: messageIdSchema,
  body: questionTextSchema,
  anonymous: z.boolean({ error: 'anonymous is true (hide your name) or false.' }).optional(),
})

/** `PATCH /rooms/:room/questions/:id`: the asker's new text (while nobody has voted). */
export const editQuestionRequestSchema = z.strictObject({ body: questionTextSchema })

const MAX_ANSWER_CHARS = 1000
const answerTooLong = `A written answer is at most ${MAX_ANSWER_CHARS} characters.`

/**
 * `PUT /rooms/:room/questions/:id/state`: an owner marks a question open, being answered now,
 * answered (with a written answer, if they like) or dismissed.
 */
export const questionStateRequestSchema = z
  .strictObject({
    state: z.enum(['open', 'answering', 'answered', 'dismissed'], {
      error: 'state is "open", "answering", "answered" or "dismissed".',
    }),
    answer: z
      .string({ error: 'answer is text.' })
      .max(rawLimit(MAX_ANSWER_CHARS), { message: answerTooLong, abort: true })
      .overwrite((answer) => answer.replace(/\r\n?/g, '\n'))
      .trim()
      .refine((answer) => VISIBLE.test(answer), {
        message: 'The answer is empty: write it, or leave answer out.',
        abort: true,
      })
      .refine((answer) => charCount(answer) <= MAX_ANSWER_CHARS, { message: answerTooLong })
      .refine((answer) => !CONTROL_IN_BODY.test(answer), {
        message:
          'Answers cannot contain control or invalid characters (line breaks and tabs are fine).',
      })
      .optional(),
  })
  .refine((request) => request.answer === undefined || request.state === 'answered', {
    message: 'A written answer goes with state "answered" only.',
    path: ['answer'],
  })

/** How many questions one review takes at most (chat.review_questions). */
const MAX_REVIEWED_QUESTIONS = 100

/** `POST /rooms/:room/questions/review`: an owner approves or rejects waiting questions at once. */
export const reviewQuestionsRequestSchema = z.strictObject({
  ids: z
    .array(messageIdSchema, { error: 'ids is a list of question ids.' })
    .min(1, 'ids names at least one question.')
    .max(MAX_REVIEWED_QUESTIONS, `ids names at most ${MAX_REVIEWED_QUESTIONS} questions at once.`),
  approve: z.boolean({ error: 'approve is true (approve) or false (reject).' }),
})

/** How many messages one review may approve or reject at once. */
const MAX_REVIEWED_MESSAGES = 100

/** `POST /rooms/:room/messages/review`: an owner approves or rejects waiting messages. */
export const reviewMessagesRequestSchema = z.strictObject({
  ids: z
    .array(messageIdSchema, { error: 'ids is a list of message ids.' })
    .min(1, 'ids names at least one message.')
    .max(MAX_REVIEWED_MESSAGES, `ids names at most ${MAX_REVIEWED_MESSAGES} messages at once.`),
  approve: z.boolean({ error: 'approve is true (approve) or false (reject).' }),
})

/** `GET /rooms/:room/messages/pending`: the room's waiting messages, oldest first (owners). */
export const pendingMessagesSchema = z.object({ messages: z.array(storedMessageSchema) })

/** `POST /rooms/:room/messages/review`'s answer: each message's outcome, in the order asked. */
export const messageReviewAnswerSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      /**
       * approved: everyone now sees it, with its original time; rejected: deleted (its sender
       * sees it deleted, nobody else ever saw it); unchanged: no longer waiting; not_found: no
       * waiting message of the room has this id.
       */
      outcome: z.enum(['approved', 'rejected', 'unchanged', 'not_found']),
      /** The message as everyone now sees it, when approved (or approved before). */
      message: storedMessageSchema.optional(),
    }),
  ),
})

/** A room's board holds at most this many questions that are not dismissed (ask_question). */
export const MAX_BOARD_QUESTIONS = 1000

/** Why the room's settings keep a person from asking or voting now. */
export const QUESTION_REFUSALS = {
  questions_off: 'Q&A is turned off in this room.',
  owners_only: 'Only owners can ask or vote on questions in this room right now.',
} as const
export type QuestionRefusal = keyof typeof QUESTION_REFUSALS

const isoDate = z.iso.datetime()

/**
 * A question as the function answers it to one reader (chat.room_questions). The asker of an
 * anonymous question is named to nobody (`askerName` absent); `mine` tells its asker it is theirs.
 */
export const storedQuestionSchema = z.object({
  id: z.string(),
  body: z.string(),
  askerName: z.string().optional(),
  anonymous: z.boolean(),
  /** The reader asked it. */
  mine: z.boolean(),
  votes: z.number().int().min(0),
  /** The reader upvotes it. */
  myVote: z.boolean(),
  /** answering: a host is answering it now, highlighted for everyone. */
  state: z.enum(['open', 'answering', 'answered', 'dismissed']),
  /** pending: waiting for a host's approval, seen only by its asker and the owners. */
  review: z.enum(['pending', 'approved', 'rejected']),
  answer: z.string().optional(),
  answeredAt: isoDate.optional(),
  createdAt: isoDate,
  editedAt: isoDate.optional(),
  /** Grows with every change of the question: the newer of two copies has the higher one. */
  revision: z.number().int(),
})
export type StoredQuestion = z.infer<typeof storedQuestionSchema>

/** `GET /rooms/:room/questions`: the room's board for the reader, by votes, then by age. */
export const questionBoardSchema = z.object({ questions: z.array(storedQuestionSchema) })

/** `PUT /rooms/:room/questions/:id/state`'s answer: the question as owners see it, null once dismissed. */
export const questionStateAnswerSchema = z.object({ question: storedQuestionSchema.nullable() })

/** `POST /rooms/:room/questions/review`'s answer: each question's outcome, in the order asked. */
export const questionReviewAnswerSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      /** unchanged: no longer waiting (approved or rejected before). */
      outcome: z.enum(['approved', 'rejected', 'unchanged', 'not_found']),
      /** As owners now see it; none when rejected or not found. */
      question: storedQuestionSchema.optional(),
    }),
  ),
})
export type QuestionReviewResult = z.infer<typeof questionReviewAnswerSchema>['results'][number]

/** A question as everyone may see it, live: without what only its reader knows. */
const liveQuestionSchema = storedQuestionSchema.omit({ mine: true, myVote: true })
export type LiveQuestion = z.infer<typeof liveQuestionSchema>

/** Daily's limit on one app message: the length of its JSON in UTF-16 code units. */
export const MAX_LIVE_MESSAGE_CHARS = 4096
export const LIVE_PROTOCOL_VERSION = 1

/**
 * What travels over the live channel (Daily app messages or the local relay). Versioned; receivers
 * drop anything that does not parse. It never names the sender: receivers take the sender from the
 * transport's participant list, so nobody can pose as someone else.
 */
export const liveEnvelopeSchema = z.discriminatedUnion('type', [
  // A whole message, small enough for the channel.
  z
    .strictObject({
      v: z.literal(LIVE_PROTOCOL_VERSION),
      type: z.literal('chat'),
      id: messageIdSchema,
      body: messageTextSchema,
      // Metadata only: files travel over HTTP, receivers ask the function for URLs to read them.
      attachments: attachmentsSchema.optional(),
      // The message this one replies to (receivers show its quote from their own copy of it).
      replyTo: replyToSchema.optional(),
      // Whom it mentions (receivers mark a mention of themselves).
      mentions: mentionsSchema.optional(),
      // A private message: sent only to this person's sessions (and the sender's other ones).
      to: userIdSchema.optional(),
      toName: userNameSchema.optional(),
      // A poll (body is its question): receivers show it at once, with no votes yet.
      poll: newPollSchema.optional(),
      createdAt: z.iso.datetime(),
    })
    .superRefine(checkPollMessage)
    .refine(withContent, { message: 'The message is empty.', path: ['body'] })
    .refine(mentionsShown, { message: MENTION_NOT_IN_TEXT, path: ['mentions'] }),
  // A message too large for the channel: written first, receivers fetch it by id.
  z.strictObject({
    v: z.literal(LIVE_PROTOCOL_VERSION),
    type: z.literal('chat-ref'),
    id: messageIdSchema,
  }),
  // A stored message was edited or deleted: receivers fetch its current state (the write is done
  // first, so what they fetch is authoritative, whoever claims what).
  z.strictObject({
    v: z.literal(LIVE_PROTOCOL_VERSION),
    type: z.literal('changed'),
    id: messageIdSchema,
  }),
  // Someone reported a message: owners read the room's reports again (sent to owners only).
  z.strictObject({
    v: z.literal(LIVE_PROTOCOL_VERSION),
    type: z.literal('reports'),
  }),
  // An owner pinned or unpinned a message: receivers read the pins again (GET /rooms/:room/pins).
  z.strictObject({
    v: z.literal(LIVE_PROTOCOL_VERSION),
    type: z.literal('pins'),
  }),
  // An owner changed the room's settings: receivers read them again (GET /rooms/:room/settings).
  z.strictObject({
    v: z.literal(LIVE_PROTOCOL_VERSION),
    type: z.literal('settings'),
  }),
  // The sender started (true) or stopped (false) typing. Never stored.
  z.strictObject({
    v: z.literal(LIVE_PROTOCOL_VERSION),
    type: z.literal('typing'),
    typing: z.boolean(),
  }),
  // Questions of the room's Q&A as they now are, for everyone. Only the function sends them
  // (Daily's REST API, `fromId` 'API'): from a person's session it would tell who asked an
  // anonymous question, or who voted.
  // `removed`: questions that left the board (withdrawn, dismissed, rejected, waiting again).
  z
    .strictObject({
      v: z.literal(LIVE_PROTOCOL_VERSION),
      type: z.literal('questions'),
      questions: z.array(liveQuestionSchema).max(50),
      removed: z.array(z.uuid()).max(100).optional(),
    })
    .refine((envelope) => envelope.questions.length > 0 || (envelope.removed?.length ?? 0) > 0, {
      message: 'A questions envelope names at least one question.',
    }),
])
export type LiveEnvelope = z.infer<typeof liveEnvelopeSchema>

/** Whether `data` fits one live message (Daily throws above 4,096 characters of JSON). */
export const fitsLiveChannel = (data: unknown) =>
  JSON.stringify(data).length <= MAX_LIVE_MESSAGE_CHARS

// Daily Prebuilt's chat, stored once however many Backchannel clients saw it (docs/prebuilt.md).

const PREBUILT_EPOCH_MS = /^\d{1,15}$/
const prebuiltIsoDate = z.iso.datetime({ offset: true })

/**
 * A Prebuilt chat message's `date` as ms since 1970, or undefined when it is neither form seen:
 * `Date.now().toString()` (Daily's own demo) or an ISO date. Both forms of one instant are equal.
 *
 * @example prebuiltDateMs('1733580000000') === prebuiltDateMs('2024-12-07T14:00:00.000Z')
 */
export function prebuiltDateMs(date: string): number | undefined {
  if (PREBUILT_EPOCH_MS.test(date)) return Number(date)
  if (!prebuiltIsoDate.safeParse(date).success) return undefined
  const ms = Date.parse(date)
  return Number.isNaN(ms) ? undefined : ms
}

/** What every Backchannel client sees the same of one Prebuilt chat message. */
export interface PrebuiltMessageFields {
  room: string
  /** The Daily session that sent it (`fromId`). */
  sessionId: string
  /** Its sender's name as stored (see docs/prebuilt.md). */
  name: string
  /** Its text, as messageTextSchema leaves it. */
  body: string
  /** Its `date`, as prebuiltDateMs reads it. */
  dateMs: number
}

/**
 * The id of a Prebuilt chat message: the same on every client that saw it, so its writes are one
 * message. Like every id it carries its sender (`prebuilt:<session>`, see isMessageIdOf); the rest
 * is a SHA-256 of the fields, so an id names one text, name and date and nothing else.
 */
export function prebuiltMessageId(fields: PrebuiltMessageFields): string {
  const { room, sessionId, name, body, dateMs } = fields
  const digest = sha256(
    textBytes.encode(JSON.stringify(['backchannel.prebuilt', room, sessionId, name, body, dateMs])),
  )
  return messageIdOf(`${PREBUILT_SENDER_PREFIX}${sessionId}`, hex(digest.subarray(0, 8)))
}

/** A Daily session id: `fromId` of an app message. */
const sessionIdSchema = z
  .string({ error: 'sessionId is the Daily session id the message came from.' })
  .min(1, 'sessionId is 1 to 128 characters.')
  .max(128, 'sessionId is 1 to 128 characters.')
  .refine((id) => !CONTROL_IN_NAME.test(id), {
    message: 'sessionId cannot contain control or invalid characters.',
  })

/**
 * `POST /rooms/:room/messages/prebuilt`: a Daily Prebuilt chat message a participant saw, to be
 * stored under `prebuilt:<sessionId>`; `id` must be prebuiltMessageId of the other fields.
 */
export const prebuiltMessageRequestSchema = z.strictObject({
  id: messageIdSchema,
  sessionId: sessionIdSchema,
  name: userNameSchema,
  body: messageTextSchema.refine((body) => body !== '', { message: 'The message is empty.' }),
  date: z
    .string({ error: "date is the Prebuilt message's date: ms since 1970 or an ISO date." })
    .max(64, 'date is ms since 1970 (digits) or an ISO date.')
    .refine((date) => prebuiltDateMs(date) !== undefined, {
      message: 'date is ms since 1970 (digits) or an ISO date.',
    }),
})
export type PrebuiltMessageRequest = z.input<typeof prebuiltMessageRequestSchema>

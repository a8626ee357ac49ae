import { z } from 'zod'

/**
 * Daily Prebuilt's own chat message, as third-party code shows it:
 * `{ event: 'chat-msg', message, name, room }`. Daily does not document this format, so it is
 * read here and nowhere else.
 */
const prebuiltChatSchema = z.object({
  event: z.literal('chat-msg'),
  message: z.string().trim().min(1).max(4000),
  name: z.string().max(64).optional(),
})

/** A Prebuilt chat message's text, and the name its sender claims (shown for unknown senders). */
export type PrebuiltChat = { body: string; name?: string }

/** The text and claimed name of a Prebuilt chat message, or undefined for anything else. */
export function parsePrebuiltChat(data: unknown): PrebuiltChat | undefined {
  const parsed = prebuiltChatSchema.safeParse(data)
  return parsed.success ? { body: parsed.data.message, name: parsed.data.name } : undefined
}

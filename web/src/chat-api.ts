import { healthResponseSchema } from '../../functions/chat/protocol.ts'

/** Where the chat function lives: same origin in the local stack, a Supabase URL in production. */
export const CHAT_API_URL = import.meta.env.VITE_CHAT_API_URL || '/functions/v1/chat'

/** Whether the chat function and its database answer. */
export async function checkChatHealth(signal?: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(`${CHAT_API_URL}/health`, { signal })
    return healthResponseSchema.parse(await response.json()).ok
  } catch {
    return false
  }
}

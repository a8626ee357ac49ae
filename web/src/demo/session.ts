import { chatUserSchema, roomNameSchema } from '@shared/protocol.ts'
import { z } from 'zod'

/** Someone who joined a room: the token serves the call and every chat request. */
const joinedRoomSchema = z.object({
  room: roomNameSchema,
  token: z.string().min(1),
  expiresAt: z.iso.datetime(),
  user: chatUserSchema,
})
export type JoinedRoom = z.infer<typeof joinedRoomSchema>

const KEY = 'backchannel.joined'

/**
 * The room this tab is in, kept in sessionStorage so a reload stays in the call as the same person
 * (own messages stay own, unsent ones resume). Expired or unreadable entries count as none.
 */
export function loadJoinedRoom(storage: Storage = sessionStorage): JoinedRoom | undefined {
  try {
    const parsed = joinedRoomSchema.safeParse(JSON.parse(storage.getItem(KEY) ?? 'null'))
    if (parsed.success && Date.parse(parsed.data.expiresAt) > Date.now()) return parsed.data
  } catch {
    // Not JSON: someone edited it by hand; start over.
  }
  storage.removeItem(KEY)
  return undefined
}

export function saveJoinedRoom(joined: JoinedRoom | undefined, storage: Storage = sessionStorage) {
  if (joined) storage.setItem(KEY, JSON.stringify(joined))
  else storage.removeItem(KEY)
}

import { nameReactions } from '../features/reactions/reactions.ts'
import type { PeopleSnapshot } from './people.ts'
import type { TimelineMessage } from './timeline.ts'

/** Someone neither in the call nor among the senders shown. */
const SOMEONE = 'Someone'

/** Per message: what it was last shown as, and the names that went into it. */
const shownAs = new WeakMap<TimelineMessage, { key: string; shown: TimelineMessage }>()

/**
 * A message as the reader sees it: its sender by their label ("Ana (2)" where two Anas are in
 * the call), its reactions with who reacted by name. Costs what the message holds, never the
 * history: each row works out its own. The same object comes back while nothing it shows
 * changed, so a row that did not change is not rendered again.
 */
export function presentMessage(
  message: TimelineMessage,
  people: PeopleSnapshot,
  ownUserId: string,
): TimelineMessage {
  const label = people.labels.get(message.sender.id) ?? message.sender.name
  const nameOf = (userId: string) =>
    people.labels.get(userId) ?? people.senders.get(userId)?.sender.name ?? SOMEONE
  const reactors = message.reactions?.flatMap((reaction) => reaction.userIds.map(nameOf)) ?? []
  if (label === message.sender.name && reactors.length === 0) return message
  const key = `${label}\n${reactors.join('\n')}`
  const last = shownAs.get(message)
  if (last?.key === key) return last.shown
  const shown: TimelineMessage = {
    ...message,
    ...(label !== message.sender.name ? { sender: { ...message.sender, name: label } } : {}),
    ...(message.reactions?.length
      ? { reactions: nameReactions(message.reactions, ownUserId, nameOf) }
      : {}),
  }
  shownAs.set(message, { key, shown })
  return shown
}

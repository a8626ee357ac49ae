import { createContext, useContext } from 'react'
import type { ChatClient } from '../engine/chat-client.ts'
import { presentMessage } from '../engine/present-message.ts'
import type { TimelineMessage } from '../engine/timeline.ts'
import type { ReplyQuote } from '../features/replies/reply-quotes.ts'
import { useStore } from './use-store.ts'

/** The room's client, for what a message row reads on its own (names, quotes). */
export const ChatClientContext = createContext<ChatClient | undefined>(undefined)

/** The client of the list around this component (MessageList provides it). */
export function useChatClient(): ChatClient {
  const client = useContext(ChatClientContext)
  if (!client)
    throw new Error('A message row renders inside a MessageList, which gives it its client.')
  return client
}

/**
 * A message as the reader sees it (see presentMessage): its sender's label and who reacted, by
 * name. The row renders again when those names change, not when anything else in the room does.
 */
export function usePresentedMessage(message: TimelineMessage): TimelineMessage {
  const client = useChatClient()
  return useStore(client.people, (people) => presentMessage(message, people, client.userId))
}

/**
 * What a reply quotes: its parent as shown in the timeline, else as fetched (once). Reads the one
 * parent, never the history.
 */
export function useReplyQuote(parentId: string | undefined): ReplyQuote | undefined {
  const client = useChatClient()
  const parent = useStore(client.messages, (view) => (parentId ? view.get(parentId) : undefined))
  // The parent as shown (cached per message): the same object while its names stay, so other
  // people's news does not render the reply again.
  const shown = useStore(client.people, (people) =>
    parent ? presentMessage(parent, people, client.userId) : undefined,
  )
  // Moves when a fetched parent arrives: the quote is asked for again.
  useStore(client.quotes)
  // The same quote object while its parent shows the same.
  return parentId ? client.quotes.quote(parentId, shown) : undefined
}

import type { MessageView, TimelineMessage } from '../src/library/engine/timeline.ts'

/** A MessageView over a fixed list, as a test shows it to code that reads the timeline's view. */
export function viewOf(messages: readonly TimelineMessage[]): MessageView {
  return {
    size: messages.length,
    at: (index) => messages[index],
    get: (id) => messages.find((message) => message.id === id),
    indexOf: (id) => messages.findIndex((message) => message.id === id),
    list: () => messages,
  }
}

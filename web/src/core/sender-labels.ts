import { distinctNames, type NamedPerson } from './display-names.ts'
import type { Participant } from './live-channel.ts'
import type { TimelineMessage } from './timeline.ts'

/** Someone in the call, with the name to show them by (`label`: "Ana (2)" for a second Ana). */
export type ChatParticipant = Participant & { label: string }

/**
 * Names people as shown: two in the call with one name are told apart ("Ana", "Ana (2)"),
 * numbered in the order this page first saw them, on their messages as in the participant list.
 */
export class SenderLabels {
  /** Everyone seen in the call, in the order first seen: who is "Ana" and who "Ana (2)". */
  readonly #seen: NamedPerson[] = []
  readonly #seenIds = new Set<string>()
  /** Messages as last handed out with their senders' labels (kept while nothing changes). */
  #labeled: {
    list: readonly TimelineMessage[]
    key: string
    messages: readonly TimelineMessage[]
  } = { list: [], key: '', messages: [] }
  readonly #labeledMessage = new WeakMap<TimelineMessage, TimelineMessage>()

  /** The participants with their labels, and the messages with their senders'. */
  label(
    participants: readonly Participant[],
    list: readonly TimelineMessage[],
  ): { participants: ChatParticipant[]; messages: readonly TimelineMessage[] } {
    for (const participant of participants) {
      if (this.#seenIds.has(participant.userId)) continue
      this.#seenIds.add(participant.userId)
      this.#seen.push(participant)
    }
    const labels = distinctNames(this.#seen)
    return {
      participants: participants.map((participant) => ({
        ...participant,
        label: labels.get(participant.userId) ?? participant.userName,
      })),
      messages: this.#labelSenders(list, labels),
    }
  }

  /**
   * The messages with each sender named by their label where it differs from their name. The same
   * array, and the same message objects, while neither the timeline nor the labels change.
   */
  #labelSenders(
    list: readonly TimelineMessage[],
    labels: ReadonlyMap<string, string>,
  ): readonly TimelineMessage[] {
    const renamed = [...this.#seen].filter(
      (person) => labels.get(person.userId) !== person.userName,
    )
    if (renamed.length === 0) return list
    const key = renamed.map((person) => `${person.userId}\n${labels.get(person.userId)}`).join('\n')
    if (this.#labeled.list === list && this.#labeled.key === key) return this.#labeled.messages
    const messages = list.map((message) => {
      const label = labels.get(message.sender.id)
      if (label === undefined || label === message.sender.name) return message
      const cached = this.#labeledMessage.get(message)
      if (cached?.sender.name === label) return cached
      const labeled = { ...message, sender: { ...message.sender, name: label } }
      this.#labeledMessage.set(message, labeled)
      return labeled
    })
    this.#labeled = { list, key, messages }
    return messages
  }
}

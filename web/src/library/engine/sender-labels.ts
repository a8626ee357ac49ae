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
  /** Everyone's label: worked out again only when somebody new is seen. */
  #labels = new Map<string, string>()
  /** The participants as last handed out with their labels (kept while nothing changes). */
  #participants: { from: readonly Participant[]; labeled: ChatParticipant[] } = {
    from: [],
    labeled: [],
  }

  /**
   * The participants with their labels, and the messages with their senders'. Both are the same
   * arrays as last time while nothing they show changed: a chat message leaves the call's view
   * alone.
   */
  label(
    participants: readonly Participant[],
    list: readonly TimelineMessage[],
  ): { participants: ChatParticipant[]; messages: readonly TimelineMessage[] } {
    let someoneNew = false
    for (const participant of participants) {
      if (this.#seenIds.has(participant.userId)) continue
      this.#seenIds.add(participant.userId)
      this.#seen.push(participant)
      someoneNew = true
    }
    if (someoneNew) this.#labels = distinctNames(this.#seen)
    const labels = this.#labels
    return {
      participants: this.#labelParticipants(participants, labels, someoneNew),
      messages: this.#labelSenders(list, labels),
    }
  }

  #labelParticipants(
    participants: readonly Participant[],
    labels: ReadonlyMap<string, string>,
    relabeled: boolean,
  ): ChatParticipant[] {
    const last = this.#participants
    const same =
      !relabeled &&
      last.from.length === participants.length &&
      participants.every((participant, i) => sameParticipant(participant, last.from[i]))
    if (same) return last.labeled
    const labeled = participants.map((participant) => ({
      ...participant,
      label: labels.get(participant.userId) ?? participant.userName,
    }))
    this.#participants = { from: participants, labeled }
    return labeled
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

/** The same session with the same name and role (the transport hands out new objects each time). */
function sameParticipant(a: Participant, b: Participant | undefined): boolean {
  return (
    b !== undefined &&
    a.sessionId === b.sessionId &&
    a.userId === b.userId &&
    a.userName === b.userName &&
    a.local === b.local &&
    a.owner === b.owner
  )
}

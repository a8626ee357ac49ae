import { distinctNames, type NamedPerson } from './display-names.ts'
import type { Participant } from './live-channel.ts'
import { Store } from './store.ts'
import type { TimelineMessage } from './timeline.ts'

/** Someone in the call, with the name to show them by (`label`: "Ana (2)" for a second Ana). */
export type ChatParticipant = Participant & { label: string }

export interface PeopleSnapshot {
  /** Who is in the call now, in the transport's order, each with their label. */
  participants: readonly ChatParticipant[]
  /**
   * The label of everyone seen in the call, by user id: two people with one name are told apart
   * ("Ana", "Ana (2)"), numbered in the order this page first saw them.
   */
  labels: ReadonlyMap<string, string>
  /** Each sender's latest message shown, by user id: whom to name and to suggest for `@`. */
  senders: ReadonlyMap<string, TimelineMessage>
}

/**
 * The people of the room as shown: who is in the call, how each is named, who has written. Kept
 * up to date from the call's events and from the messages that join the timeline, so reading a
 * name never looks through the history.
 */
export class People extends Store<PeopleSnapshot> {
  /** Everyone seen in the call, in the order first seen: who is "Ana" and who "Ana (2)". */
  readonly #seen: NamedPerson[] = []
  readonly #seenIds = new Set<string>()
  #from: readonly Participant[] = []

  constructor() {
    super({ participants: [], labels: new Map(), senders: new Map() })
  }

  /** The call's participants now (the transport hands out new objects each time). */
  seeParticipants(participants: readonly Participant[]): void {
    const last = this.getSnapshot()
    let someoneNew = false
    for (const participant of participants) {
      if (this.#seenIds.has(participant.userId)) continue
      this.#seenIds.add(participant.userId)
      this.#seen.push(participant)
      someoneNew = true
    }
    const labels = someoneNew ? distinctNames(this.#seen) : last.labels
    const same =
      !someoneNew &&
      this.#from.length === participants.length &&
      participants.every((participant, i) => sameParticipant(participant, this.#from[i]))
    if (same) return
    this.#from = participants
    this.set({
      ...last,
      labels,
      participants: participants.map((participant) => ({
        ...participant,
        label: labels.get(participant.userId) ?? participant.userName,
      })),
    })
  }

  /** Messages new to the timeline: their senders are known by these names from now on. */
  noteMessages(added: readonly TimelineMessage[]): void {
    const last = this.getSnapshot()
    let senders: Map<string, TimelineMessage> | undefined
    for (const message of added) {
      const known = (senders ?? last.senders).get(message.sender.id)
      // A page of older history does not make anyone a recent sender.
      if (known && !isLater(message, known)) continue
      senders ??= new Map(last.senders)
      senders.set(message.sender.id, message)
    }
    if (senders) this.set({ ...last, senders })
  }
}

/** Whether `a` came after `b`: by seq once stored; a message not stored yet is the newer one. */
const isLater = (a: TimelineMessage, b: TimelineMessage) =>
  a.seq === undefined || (b.seq !== undefined && a.seq > b.seq)

/** The same session with the same name and role. */
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

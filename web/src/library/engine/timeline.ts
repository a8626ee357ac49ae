import type {
  Attachment,
  Mention,
  NewPoll,
  Reaction,
  StoredMessage,
  StoredPoll,
} from '@shared/protocol.ts'
import { mentionsReader } from '../features/mentions/mention-alerts.ts'

/**
 * Where a message stands, as the reader sees it:
 * - `sending`: own message, first write in flight;
 * - `retrying`: own message, a write failed and another is scheduled ("not saved — retrying");
 * - `failed`: own message, the outbox gave up (a Retry action is offered);
 * - `saved`: stored by the function (has a `seq`);
 * - `live`: someone else's message received live, not known to be stored yet;
 * - `not-saved`: received live from a source that never stores (Daily Prebuilt's chat).
 */
export type MessageStatus = 'sending' | 'retrying' | 'failed' | 'saved' | 'live' | 'not-saved'

/**
 * A file of a message; `url` reads it (signed, expiring at `urlExpiresAt`), unknown until the
 * function signs it.
 */
export type TimelineAttachment = Attachment & { url?: string; urlExpiresAt?: string }

/**
 * A reaction as shown: as the function stored it; the snapshot adds whether this user is among
 * those who reacted (`mine`) and their names, in the same order (see ReactionNames).
 */
export type TimelineReaction = Reaction & { mine?: boolean; names?: readonly string[] }

export interface TimelineMessage {
  id: string
  sender: { id: string; name: string }
  body: string
  attachments: readonly TimelineAttachment[]
  /** ISO time: the server's once stored, the sender's clock before. */
  createdAt: string
  /** When the sender last edited the text; absent if never. */
  editedAt?: string
  /** Deleted while shown: it stays in place as "Message deleted", without its text or files. */
  deleted?: boolean
  /** The message this one replies to (its id); absent if none. */
  replyTo?: string
  /** Whom it mentions (each `@name` in its text); absent if nobody. */
  mentions?: readonly Mention[]
  /** It mentions this user (someone else's message): marked, announced and notified as such. */
  mentionsMe?: boolean
  /**
   * A private message: the user id of the one person it is for (only they and the sender see
   * it), and their name as the sender saw it.
   */
  to?: string
  toName?: string
  /** When a room owner pinned it for everyone; absent when not pinned. */
  pinnedAt?: string
  /** Its reactions, as the function last said (absent when none, and before it is stored). */
  reactions?: readonly TimelineReaction[]
  /** A poll (its text is the question): votes per option and the reader's own vote. */
  poll?: StoredPoll
  seq?: number
  status: MessageStatus
  /** Waiting for an owner's approval (the room's messages need it): only its sender sees it. */
  pending?: true
  /** Sent by this user (same user id as the token's). */
  own: boolean
  /** Why the last write failed, for `retrying` and `failed`. */
  error?: string
}

export type NewTimelineMessage = Omit<TimelineMessage, 'seq'>

/**
 * The conversation as a list shows it, read by position or by id without copying it: a new view
 * after each change of the timeline, so that it can serve as React state, and reading it costs
 * what is read (the rows in view), not the length of the history. A view reads the timeline as
 * it is now: hold on to the latest one only.
 */
export interface MessageView {
  readonly size: number
  at(index: number): TimelineMessage | undefined
  get(id: string): TimelineMessage | undefined
  /** Where the message is in the order (binary search), or -1. */
  indexOf(id: string): number
  /** Every message in order: a copy of the whole history, for the few that need it. */
  list(): readonly TimelineMessage[]
}

/**
 * The conversation as one ordered list, merged from history pages and live messages without
 * duplicates. Order: stored messages by `seq`; a message not stored (yet) sorts right after the
 * newest stored message known when it arrived, and after earlier such arrivals.
 */
export class Timeline {
  private readonly ownUserId: string | undefined
  private readonly ownUserName: string | undefined
  // In display order; `view` is its messages as handed out by list().
  private entries: Entry[] = []
  private readonly byId = new Map<string, Entry>()
  private view: readonly TimelineMessage[] | undefined
  private messageView: MessageView | undefined
  /** Messages new to the timeline since takeAdded was last called, in the order they came. */
  private fresh: TimelineMessage[] = []
  private minSeq: number | undefined
  private maxSeq: number | undefined
  private arrivals = 0

  /** `ownUserId` marks stored messages from that user as `own` when they were not seen before. */
  constructor(options: { ownUserId?: string; ownUserName?: string } = {}) {
    this.ownUserId = options.ownUserId
    this.ownUserName = options.ownUserName
  }

  /** Adds stored messages (any page, any order); known ids gain their seq and become `saved`. */
  addStored(messages: readonly StoredMessage[]): void {
    // New entries by id: a page that names an id twice keeps the last.
    const added = new Map<string, Entry>()
    const moved = new Set<Entry>()
    // Unsaved messages that are now stored: whatever arrived after them must stay after them.
    const nowStored: { arrival: number; seq: number }[] = []
    for (const stored of messages) {
      this.noteSeq(stored.seq)
      const known = this.byId.get(stored.id)
      // A page read before a deletion must not bring the message back.
      if (known?.message.deleted) continue
      const message = this.fromStored(stored, known ? known.message.own : this.isOwn(stored))
      if (known && sameMessage(known.message, message)) continue
      if (known && known.message.seq === message.seq) {
        // Same place in the order: replacing the message in its entry is enough.
        known.message = message
        this.changed()
        continue
      }
      // New, or its key changes: it (re)joins the order with the other new entries.
      if (known && added.get(stored.id) !== known) moved.add(known)
      if (known?.minor === 1) nowStored.push({ arrival: known.arrival, seq: stored.seq })
      const entry: Entry = { message, major: stored.seq, minor: 0, arrival: 0 }
      if (!known) this.fresh.push(message)
      this.byId.set(stored.id, entry)
      added.set(stored.id, entry)
    }
    for (const { old, replacement } of this.reanchored(nowStored, moved)) {
      moved.add(old)
      added.set(replacement.message.id, replacement)
    }
    if (moved.size > 0) this.remove(moved)
    if (added.size > 0) this.insert([...added.values()])
  }

  /**
   * Re-keys unsaved messages that arrived after a message that is now stored, so that they keep
   * showing after it: a reply must not jump above the message it answers once that one is saved.
   * Returns each old entry (to remove) with its replacement (to insert).
   */
  private reanchored(nowStored: { arrival: number; seq: number }[], moved: ReadonlySet<Entry>) {
    const reanchored: { old: Entry; replacement: Entry }[] = []
    if (nowStored.length === 0) return reanchored
    for (const entry of this.entries) {
      if (entry.minor !== 1 || moved.has(entry)) continue
      let anchor = entry.major
      for (const stored of nowStored) {
        if (stored.arrival < entry.arrival && stored.seq > anchor) anchor = stored.seq
      }
      if (anchor === entry.major) continue
      const replacement: Entry = { ...entry, major: anchor }
      this.byId.set(entry.message.id, replacement)
      reanchored.push({ old: entry, replacement })
    }
    return reanchored
  }

  /** Adds a message not stored (yet). Returns false, changing nothing, if the id is known. */
  addUnsaved(message: NewTimelineMessage): boolean {
    if (this.byId.has(message.id)) return false
    const { mentions, mentionsMe: _derived, ...rest } = message
    const entry: Entry = {
      message: { ...rest, ...this.mentionsOf(message.body, mentions, message.own) },
      major: this.maxSeq ?? 0,
      minor: 1,
      arrival: ++this.arrivals,
    }
    this.byId.set(message.id, entry)
    this.fresh.push(entry.message)
    this.insert([entry])
    return true
  }

  /** Changes the status (and error) of a known message. Returns false if the id is unknown. */
  setStatus(id: string, status: MessageStatus, error?: string): boolean {
    const entry = this.byId.get(id)
    if (!entry) return false
    // A message with a seq is in the database whatever a late write outcome says.
    if (entry.message.seq !== undefined) return true
    if (entry.message.status === status && entry.message.error === error) return true
    entry.message = withStatus(entry.message, status, error)
    this.changed()
    return true
  }

  /**
   * Gives a message not stored yet its files' URLs (live messages arrive without). Returns false
   * if the id is unknown; a stored message keeps the URLs it came with.
   */
  setAttachments(id: string, attachments: readonly TimelineAttachment[]): boolean {
    const entry = this.byId.get(id)
    if (!entry) return false
    if (entry.message.seq !== undefined) return true
    entry.message = { ...entry.message, attachments }
    this.changed()
    return true
  }

  /**
   * Marks a message deleted: it keeps its place for those who saw it, without text or files.
   * Returns false if the id is unknown.
   */
  markDeleted(id: string): boolean {
    const entry = this.byId.get(id)
    if (!entry) return false
    if (entry.message.deleted) return true
    const { reactions: _gone, ...rest } = entry.message
    entry.message = { ...rest, body: '', attachments: [], deleted: true }
    this.changed()
    return true
  }

  /**
   * Gives files new URLs (signed again before the old ones expire), wherever they are shown, stored
   * messages included. `signed` names each file by its path. Returns how many files changed.
   */
  replaceUrls(signed: readonly TimelineAttachment[]): number {
    const byPath = new Map(signed.flatMap((file) => (file.url ? [[file.path, file] as const] : [])))
    let changed = 0
    for (const entry of this.entries) {
      const { attachments } = entry.message
      if (!attachments.some((file) => byPath.has(file.path))) continue
      entry.message = {
        ...entry.message,
        attachments: attachments.map((file) => {
          const fresh = byPath.get(file.path)
          if (!fresh) return file
          changed++
          return { ...file, url: fresh.url, urlExpiresAt: fresh.urlExpiresAt }
        }),
      }
      this.changed()
    }
    return changed
  }

  /**
   * Forgets stored messages older than `firstSeq`, the room's oldest message (all stored ones when
   * null): retention purged them for good. Messages not stored yet stay, and so does "Message
   * deleted" where a deletion was shown (it carries nothing). Returns whether any went.
   */
  forgetStoredBefore(firstSeq: number | null): boolean {
    const gone = new Set<Entry>()
    for (const entry of this.entries) {
      const { seq, deleted } = entry.message
      if (seq !== undefined && !deleted && (firstSeq === null || seq < firstSeq)) gone.add(entry)
    }
    if (gone.size === 0) return false
    for (const entry of gone) this.byId.delete(entry.message.id)
    this.remove(gone)
    this.changed()
    this.minSeq = undefined
    for (const entry of this.entries) {
      const { seq } = entry.message
      if (seq !== undefined && (this.minSeq === undefined || seq < this.minSeq)) this.minSeq = seq
    }
    return true
  }

  /** The current view (see MessageView): the same object until the timeline changes. */
  messages(): MessageView {
    if (this.messageView) return this.messageView
    const entries = this.entries
    const view: MessageView = {
      size: entries.length,
      at: (index) => this.entries[index]?.message,
      get: (id) => this.byId.get(id)?.message,
      indexOf: (id) => {
        const entry = this.byId.get(id)
        if (!entry) return -1
        const index = upperBound(this.entries, entry) - 1
        return this.entries[index] === entry ? index : this.entries.indexOf(entry)
      },
      list: () => this.list(),
    }
    this.messageView = view
    return view
  }

  /**
   * The messages that joined the timeline since the last call (not those that only changed), in
   * the order they came: what is news, without looking through the whole history for it.
   */
  takeAdded(): TimelineMessage[] {
    const fresh = this.fresh
    this.fresh = []
    return fresh.flatMap((message) => {
      const now = this.byId.get(message.id)?.message
      return now ? [now] : []
    })
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  get(id: string): TimelineMessage | undefined {
    return this.byId.get(id)?.message
  }

  /** The ordered messages. A new array only after a change, so it can serve as React state. */
  list(): readonly TimelineMessage[] {
    this.view ??= this.entries.map((entry) => entry.message)
    return this.view
  }

  /** The highest seq known: the cursor for filling a gap (`after=`). */
  newestSeq(): number | undefined {
    return this.maxSeq
  }

  /** The lowest seq known: the cursor for loading older history (`before=`). */
  oldestSeq(): number | undefined {
    return this.minSeq
  }

  /** How many messages the timeline holds. */
  get size(): number {
    return this.entries.length
  }

  private changed() {
    this.view = undefined
    this.messageView = undefined
  }

  private noteSeq(seq: number) {
    if (this.maxSeq === undefined || seq > this.maxSeq) this.maxSeq = seq
    if (this.minSeq === undefined || seq < this.minSeq) this.minSeq = seq
  }

  /**
   * A message's mentions, and whether they name this user (never on one's own message; see
   * mentionsReader for what counts).
   */
  private mentionsOf(body: string, mentions: readonly Mention[] | undefined, own: boolean) {
    if (!mentions?.length) return {}
    const mentionsMe =
      !own &&
      this.ownUserId !== undefined &&
      mentionsReader({ body, mentions }, { id: this.ownUserId, name: this.ownUserName })
    return mentionsMe ? { mentions, mentionsMe } : { mentions }
  }

  private isOwn(stored: StoredMessage) {
    return this.ownUserId !== undefined && stored.sender.id === this.ownUserId
  }

  private fromStored(stored: StoredMessage, own: boolean): TimelineMessage {
    return {
      id: stored.id,
      sender: { id: stored.sender.id, name: stored.sender.name },
      body: stored.body,
      attachments: stored.attachments,
      createdAt: stored.createdAt,
      ...(stored.editedAt ? { editedAt: stored.editedAt } : {}),
      ...(stored.replyTo ? { replyTo: stored.replyTo } : {}),
      ...this.mentionsOf(stored.body, stored.mentions, own),
      ...(stored.to ? { to: stored.to, ...(stored.toName ? { toName: stored.toName } : {}) } : {}),
      ...(stored.pinnedAt ? { pinnedAt: stored.pinnedAt } : {}),
      ...(stored.reactions?.length ? { reactions: stored.reactions } : {}),
      ...(stored.poll ? { poll: stored.poll } : {}),
      seq: stored.seq,
      status: 'saved',
      ...(stored.pending ? { pending: true } : {}),
      own,
    }
  }

  /** Takes entries out of the order: by binary search for a few, one O(n) pass for many. */
  private remove(moved: ReadonlySet<Entry>) {
    if (moved.size <= SPLICE_LIMIT) {
      for (const entry of moved) {
        const index = upperBound(this.entries, entry) - 1
        if (this.entries[index] === entry) this.entries.splice(index, 1)
        else this.entries = this.entries.filter((other) => other !== entry)
      }
    } else {
      this.entries = this.entries.filter((entry) => !moved.has(entry))
    }
  }

  /** Puts new entries in their places: a splice each for a few, one O(n + k) merge for many. */
  private insert(added: Entry[]) {
    this.changed()
    added.sort(compare)
    const entries = this.entries
    const last = entries[entries.length - 1]
    // The usual cases, live messages at the end and older pages at the front, need no merge.
    if (!last || compare(last, added[0] as Entry) < 0) {
      for (const entry of added) entries.push(entry)
    } else if (compare(added[added.length - 1] as Entry, entries[0] as Entry) < 0) {
      this.entries = added.concat(entries)
    } else if (added.length <= SPLICE_LIMIT) {
      for (const entry of added) entries.splice(upperBound(entries, entry), 0, entry)
    } else {
      this.entries = merge(entries, added)
    }
  }
}

interface Entry {
  message: TimelineMessage
  // The sort key: (seq, 0, 0) when stored, (anchor seq, 1, arrival) before.
  major: number
  minor: 0 | 1
  arrival: number
}

// Above this many new entries one linear merge beats a splice (a linear move) per entry.
const SPLICE_LIMIT = 8

const compare = (a: Entry, b: Entry) =>
  a.major - b.major || a.minor - b.minor || a.arrival - b.arrival

/** The index after every entry that sorts at or before `entry`. */
function upperBound(entries: readonly Entry[], entry: Entry): number {
  let low = 0
  let high = entries.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compare(entries[middle] as Entry, entry) <= 0) low = middle + 1
    else high = middle
  }
  return low
}

function merge(a: readonly Entry[], b: readonly Entry[]): Entry[] {
  const merged: Entry[] = new Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) {
    const left = a[i] as Entry
    const right = b[j] as Entry
    if (compare(left, right) <= 0) {
      merged[k++] = left
      i++
    } else {
      merged[k++] = right
      j++
    }
  }
  while (i < a.length) merged[k++] = a[i++] as Entry
  while (j < b.length) merged[k++] = b[j++] as Entry
  return merged
}

function withStatus(message: TimelineMessage, status: MessageStatus, error?: string) {
  const { error: _previous, ...rest } = message
  return error === undefined ? { ...rest, status } : { ...rest, status, error }
}

const sameMessage = (a: TimelineMessage, b: TimelineMessage) =>
  a.seq === b.seq &&
  a.status === b.status &&
  a.pending === b.pending &&
  a.error === b.error &&
  a.own === b.own &&
  a.body === b.body &&
  sameAttachments(a.attachments, b.attachments) &&
  a.createdAt === b.createdAt &&
  a.editedAt === b.editedAt &&
  a.deleted === b.deleted &&
  a.replyTo === b.replyTo &&
  a.mentionsMe === b.mentionsMe &&
  a.to === b.to &&
  a.toName === b.toName &&
  a.pinnedAt === b.pinnedAt &&
  (a.mentions?.length ?? 0) === (b.mentions?.length ?? 0) &&
  (a.mentions ?? []).every((mention, index) => mention.userId === b.mentions?.[index]?.userId) &&
  sameReactions(a.reactions, b.reactions) &&
  samePoll(a.poll, b.poll) &&
  a.sender.id === b.sender.id &&
  a.sender.name === b.sender.name

/** Same emoji, in the same order, from the same people. */
const sameReactions = (a: readonly TimelineReaction[] = [], b: readonly TimelineReaction[] = []) =>
  a.length === b.length &&
  a.every(
    (reaction, index) =>
      reaction.emoji === b[index]?.emoji &&
      reaction.userIds.length === b[index].userIds.length &&
      reaction.userIds.every((userId, at) => userId === b[index]?.userIds[at]),
  )

/** The same options with the same votes, the same own vote, closed alike (polls are small). */
const samePoll = (a: StoredPoll | undefined, b: StoredPoll | undefined) =>
  a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b))

/** A poll just started, as everyone shows it before it is stored: its options, no votes. */
export const newPollShown = (poll: NewPoll): StoredPoll => ({
  options: poll.options.map((text) => ({ text, votes: 0 })),
})

const sameAttachments = (a: readonly TimelineAttachment[], b: readonly TimelineAttachment[]) =>
  a.length === b.length &&
  a.every((file, index) => file.path === b[index]?.path && file.url === b[index]?.url)

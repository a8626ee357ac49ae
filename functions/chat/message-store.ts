import type {
  Attachment,
  ChangesQuery,
  ChatUser,
  HistoryQuery,
  Mention,
  NewPoll,
  QuestionRefusal,
  QuestionReviewResult,
  Reaction,
  RoomReports,
  RoomSettings,
  SendRefusal,
  StoredMessage,
  StoredQuestion,
} from '../_shared/protocol.ts'

/** What a quota counts; messages have their own rate limit (see persist_chat_message). */
export type QuotaAction =
  | 'upload'
  | 'edit'
  | 'token'
  | 'transcript'
  | 'reaction'
  | 'report'
  | 'settings'
  | 'pin'
  /** Voting in polls, taking a vote back, closing a poll. */
  | 'poll_vote'
  /** Storing a Daily Prebuilt chat message seen in the call (counted per relaying person). */
  | 'prebuilt'
  /** Asking a question in a room's Q&A. */
  | 'question'
  /** Upvoting a question, or taking the vote back. */
  | 'question_vote'
  /** An owner answering, dismissing, approving or rejecting questions. */
  | 'question_moderation'
  /** An owner approving or rejecting messages that wait for approval (one per review). */
  | 'message_review'

/** At most `count` times in `windowSeconds` (a fixed window, counted in the database). */
export interface Quota {
  count: number
  windowSeconds: number
}

interface NewMessage {
  id: string
  room: string
  sender: ChatUser
  body: string
  attachments: Attachment[]
  /** The message it replies to (checked by the database to be of the same room). */
  replyTo?: string
  /** Whom it mentions, each named in `body` as `@name` (none when absent). */
  mentions?: Mention[]
  /** A private message: the one person it is for (their user id, and name if the sender gave it). */
  to?: { id: string; name?: string }
  /** The sender is a room owner (token claim `o`): exempt from owners-only and slow mode. */
  senderIsOwner?: boolean
  /** A poll: `body` is its question; never with files or `to` (the protocol refuses them). */
  poll?: NewPoll
}

/** Someone in a room, as a verified meeting token names them. */
export interface RoomPerson {
  room: string
  user: ChatUser
  /** When the token was issued: a newer token's name replaces an older one's. */
  namedAt: Date
  /** When the token expires. */
  expiresAt: Date
}

/** A message as the database keeps it: its files by path, without URLs to read them. */
export type PersistedMessage = Omit<StoredMessage, 'attachments' | 'reactions'> & {
  attachments: Attachment[]
  reactions: Reaction[]
}

interface RateLimit {
  messages: number
  windowSeconds: number
}

export type PostOutcome =
  | { kind: 'created' | 'duplicate'; message: PersistedMessage }
  | { kind: 'conflict' }
  | { kind: 'deleted' }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  /** The room's settings refuse it: chat is off, owners only, or no private messages. */
  | { kind: SendRefusal }
  /** Slow mode: the sender sent one too recently. */
  | { kind: 'slow_mode'; retryAfterSeconds: number }
  | { kind: 'blocked'; reason: string }
  /** A file not uploaded by the sender in this room (or never granted at all). */
  | { kind: 'file_not_yours'; path: string }
  /** A file already sent with another message. */
  | { kind: 'file_already_sent'; path: string }
  /**
   * `replyTo` names no message the sender can see (`unknown`), one of another room
   * (`other_room`), or a private one while this message is not private to its other person
   * (`private`).
   */
  | { kind: 'invalid_reply'; reason: 'unknown' | 'other_room' | 'private' }
  /** A mention labels its person with a name that is not theirs in the room (`name`: the label). */
  | { kind: 'mislabelled_mention'; name: string }

/**
 * What a transcript quotes of a message replied to: its sender and the first line of its text (the
 * name of its first file when it has no text), or only that it was deleted.
 */
export type ReplyParent =
  | { id: string; deleted: false; senderName: string; firstLine: string }
  | { id: string; deleted: true }

/**
 * Where a granted upload stands: `unsent` (not attached yet, or its message still on its way),
 * `sent` with a visible message, `withdrawn` with a deleted one; `unknown` when it was never
 * granted in the room.
 */
export type UploadState = 'unknown' | 'unsent' | 'sent' | 'withdrawn'

type EditOutcome =
  | { kind: 'edited' | 'unchanged'; message: PersistedMessage }
  | { kind: 'not_found' | 'deleted' | 'forbidden' | 'empty' }
  /** The message is a poll, and the new text is longer than a poll's question may be. */
  | { kind: 'question_too_long' }
  | { kind: 'blocked'; reason: string }
  /** The room's settings do not let the editor send now (as for a new message). */
  | { kind: SendRefusal }

/** Adding or removing a reaction: the message as it is after (`unchanged` when it already was). */
type ReactionOutcome =
  | { kind: 'added' | 'removed' | 'unchanged'; message: PersistedMessage }
  /** No visible message with this id in the room. */
  | { kind: 'not_found' }
  /** The message has 20 different emoji already, and this one is not among them. */
  | { kind: 'too_many' }
  | { kind: 'blocked'; reason: string }
  /** Adding one: the room's settings do not let the person send now (as for a new message). */
  | { kind: SendRefusal }

export type DeleteOutcome = { kind: 'deleted' | 'not_found' | 'forbidden' }

/** Voting in a poll or taking one's vote back: the message as the voter reads it after. */
type VoteOutcome =
  | { kind: 'voted' | 'withdrawn' | 'unchanged'; message: PersistedMessage }
  /** No visible message with this id in the room (`not_found`), or one that is no poll. */
  | { kind: 'not_found' | 'not_a_poll' }
  /** The poll is closed. */
  | { kind: 'closed' }
  /** The option's position is beyond the poll's options (`options`: how many it has). */
  | { kind: 'no_such_option'; options: number }
  | { kind: 'blocked'; reason: string }
  /** The room's settings do not let the person send now (as for a new message). */
  | { kind: SendRefusal }

/** Closing a poll: the message as the closer reads it after (`unchanged`: closed before). */
type CloseOutcome =
  | { kind: 'closed' | 'unchanged'; message: PersistedMessage }
  /** No visible message with this id in the room (`not_found`), or one that is no poll. */
  | { kind: 'not_found' | 'not_a_poll' }
  /** Neither the poll's sender nor a room owner. */
  | { kind: 'forbidden' }

/** Asking a question: it as its asker now reads it, or why not. */
type AskOutcome =
  /** duplicate: a retry of the same question (id, text, anonymity), stored before. */
  | { kind: 'created' | 'duplicate'; question: StoredQuestion }
  /** The id holds another question (or another person's, or another room's). */
  | { kind: 'conflict' }
  | { kind: 'blocked'; reason: string }
  /** The room does not let askers hide their name. */
  | { kind: 'anonymous_off' }
  /** The room's board holds MAX_BOARD_QUESTIONS questions (dismissed ones aside). */
  | { kind: 'board_full' }
  | { kind: QuestionRefusal }

/** Upvoting a question or taking the vote back: it as the voter now reads it, or why not. */
type QuestionVoteOutcome =
  | { kind: 'voted' | 'withdrawn' | 'unchanged'; question: StoredQuestion }
  /** No question with this id that the voter can see in the room. */
  | { kind: 'not_found' }
  /** The voter asked it. */
  | { kind: 'own_question' }
  /** It takes no votes: answered, or waiting for approval. */
  | { kind: 'closed' }
  | { kind: 'blocked'; reason: string }
  | { kind: QuestionRefusal }

/** The asker edits their question: it as they now read it, or why not. */
type QuestionEditOutcome =
  /** A non-owner's edit goes back to `pending` while the room's questions need approval. */
  | { kind: 'edited' | 'unchanged'; question: StoredQuestion }
  | { kind: 'not_found' }
  /** Someone else's question. */
  | { kind: 'forbidden' }
  /** It is no longer open (being answered, answered, rejected). */
  | { kind: 'closed' }
  /** Someone voted for it: its text stays what they voted for. */
  | { kind: 'has_votes' }
  | { kind: 'blocked'; reason: string }
  | { kind: QuestionRefusal }

/** An owner sets a question's state: it as owners now read it (none once dismissed), or why not. */
type QuestionStateOutcome =
  | { kind: 'changed' | 'unchanged'; question: StoredQuestion | null }
  | { kind: 'not_found' }
  /** It waits for approval, or was rejected: review it instead. */
  | { kind: 'pending' }

/** One question of a review, as the review route answers it. */
export type ReviewedQuestion = QuestionReviewResult

/** One message of an owner's review, in the order asked: what became of it. */
export interface ReviewedMessage {
  id: string
  outcome: 'approved' | 'rejected' | 'unchanged' | 'not_found'
  /** The message as everyone now sees it, when it is approved. */
  message?: PersistedMessage
}

/** Pinning or unpinning: the message as it is after, or why not. */
type PinOutcome =
  | { kind: 'pinned' | 'unpinned' | 'unchanged'; message: PersistedMessage }
  /** No visible message with this id in the room (for the owner asking). */
  | { kind: 'not_found' }
  /** Private messages are never pinned. */
  | { kind: 'private' }
  /** The room has MAX_PINS pins already. */
  | { kind: 'too_many' }

/** Reporting a message: the report (the earlier one when reported before), or why not. */
type ReportOutcome =
  | {
      kind: 'created' | 'duplicate'
      report: { messageId: string; reason: string; createdAt: string }
    }
  /** No visible message with this id in the room. */
  | { kind: 'not_found' }
  /** The reporter wrote it. */
  | { kind: 'own_message' }

type PersistedChange =
  | { type: 'message'; message: PersistedMessage }
  | { type: 'deleted'; id: string }

/** Where messages are kept. The function only talks to this port. */
export interface MessageStore {
  /** Stores a message once: a retry with the same id and content returns the stored one. */
  persistMessage(message: NewMessage, limit: RateLimit): Promise<PostOutcome>
  /**
   * One page of a room's visible messages, oldest first within the page, and the room's revision
   * as the reader sees it: the newest of the messages they may see, so that nothing a private
   * conversation between others does moves it.
   */
  loadHistoryPage(
    room: string,
    query: HistoryQuery,
    readerId: string,
  ): Promise<{ messages: PersistedMessage[]; hasMore: boolean; revision: number }>
  /**
   * Changes the sender's text (only the sender's own, never a deleted message), while the room's
   * settings let them send (`senderIsOwner`: they are a room owner).
   */
  editMessage(
    room: string,
    id: string,
    senderId: string,
    body: string,
    senderIsOwner: boolean,
  ): Promise<EditOutcome>
  /** Hides a message: its sender's or, for a room owner, anyone's. */
  deleteMessage(room: string, id: string, actorId: string, isOwner: boolean): Promise<DeleteOutcome>
  /**
   * Adds (`on`) or removes `userId`'s reaction `emoji` to a visible message of the room; the
   * message takes a new revision when it changes. Idempotent both ways. Adding needs the room's
   * settings to let them send (`userIsOwner`: they are a room owner); removing never does.
   */
  toggleReaction(
    room: string,
    id: string,
    userId: string,
    emoji: string,
    on: boolean,
    userIsOwner: boolean,
  ): Promise<ReactionOutcome>
  /**
   * What changed in a room after a revision (writes, edits, deletions), oldest first: only
   * changes to messages the reader may see, so the cursor moves for nothing else.
   */
  loadChanges(
    room: string,
    query: ChangesQuery,
    readerId: string,
  ): Promise<{
    changes: PersistedChange[]
    revision: number
    hasMore: boolean
    /** The seq of the room's oldest visible message; null when it has none. */
    firstSeq: number | null
  }>
  /**
   * A page of a room's visible messages for its transcript, oldest first: seq after `afterSeq`,
   * up to `throughSeq` (where the export started), at most `limit`.
   */
  loadTranscriptPage(
    room: string,
    page: { afterSeq: number; throughSeq: number; limit: number },
    readerId: string,
  ): Promise<PersistedMessage[]>
  /** The seq of the room's newest message (0 when it has none): where an export stops. */
  latestSeq(room: string, readerId: string): Promise<number>
  /** One visible message of a room, or undefined when there is none (or it was deleted). */
  loadMessage(room: string, id: string, readerId: string): Promise<PersistedMessage | undefined>
  /**
   * A room's visible messages that contain every word (the last as a prefix), newest first,
   * before `before` when given: at most `limit`, and whether there are more.
   */
  searchMessages(
    room: string,
    query: { words: readonly string[]; before?: number; limit: number },
    readerId: string,
  ): Promise<{ messages: PersistedMessage[]; hasMore: boolean }>
  /**
   * Casts or changes `userId`'s vote in a poll of the room (`option`, its position), or takes it
   * back (`option` null), idempotently; the message takes a new revision when the vote changes.
   * Needs the room's settings to let them send (`userIsOwner`: they are a room owner).
   */
  votePoll(
    room: string,
    id: string,
    userId: string,
    option: number | null,
    userIsOwner: boolean,
  ): Promise<VoteOutcome>
  /** Closes a poll of the room, as its sender or a room owner (`actorIsOwner`); once. */
  closePoll(room: string, id: string, actorId: string, actorIsOwner: boolean): Promise<CloseOutcome>
  /**
   * The room's Q&A board as `readerId` sees it, by votes then age: approved questions not
   * dismissed, and pending ones for their asker and (`readerIsOwner`) the owners.
   */
  loadQuestions(room: string, readerId: string, readerIsOwner: boolean): Promise<StoredQuestion[]>
  /**
   * Asks a question in the room under its id (idempotent), as `asker`; needs the room's settings
   * to let them ask, and to allow anonymous questions when `anonymous`. Pending while the room's
   * questions need approval, unless the asker is an owner.
   */
  askQuestion(
    room: string,
    question: { id: string; asker: ChatUser; body: string; anonymous: boolean },
    askerIsOwner: boolean,
  ): Promise<AskOutcome>
  /** Upvotes a question of the room (`up`) or takes the vote back, idempotently, as `voterId`. */
  voteQuestion(
    room: string,
    id: string,
    voterId: string,
    up: boolean,
    voterIsOwner: boolean,
  ): Promise<QuestionVoteOutcome>
  /** The asker edits their question of the room while it is open and has no votes. */
  editQuestion(
    room: string,
    id: string,
    userId: string,
    body: string,
    userIsOwner: boolean,
  ): Promise<QuestionEditOutcome>
  /** The asker takes their question back: it leaves the board, its votes with it. */
  withdrawQuestion(
    room: string,
    id: string,
    userId: string,
  ): Promise<{ kind: 'withdrawn' | 'not_found' | 'forbidden' }>
  /**
   * An owner (`actorId`) marks a question of the room open, being answered now (any other goes
   * back to open), answered (with `answer`, if given) or dismissed.
   */
  setQuestionState(
    room: string,
    id: string,
    actorId: string,
    state: StoredQuestion['state'],
    answer: string | undefined,
  ): Promise<QuestionStateOutcome>
  /** An owner (`actorId`) approves or rejects waiting questions of the room, in the order given. */
  reviewQuestions(
    room: string,
    ids: readonly string[],
    actorId: string,
    approve: boolean,
  ): Promise<ReviewedQuestion[]>
  /** The room's messages waiting for an owner's approval, oldest first, bounded (owners only). */
  loadPendingMessages(room: string): Promise<PersistedMessage[]>
  /**
   * An owner (`actorId`) approves or rejects waiting messages of the room, in the order given,
   * under the room's lock: approved ones keep their time and seq and reach everyone's catch-up.
   */
  reviewMessages(
    room: string,
    ids: readonly string[],
    actorId: string,
    approve: boolean,
  ): Promise<ReviewedMessage[]>
  /** Pins (`on`) or unpins a message of the room for everyone, as `actorId` (an owner). */
  pinMessage(room: string, id: string, actorId: string, on: boolean): Promise<PinOutcome>
  /** The room's pinned messages, the newest pin first (polls with `readerId`'s own vote). */
  loadPins(room: string, readerId: string): Promise<PersistedMessage[]>
  /**
   * The messages of a room that `readerId` reported, and for an owner (`isOwner`) the visible
   * messages with open reports and how many; newest first, bounded.
   */
  loadReports(room: string, readerId: string, isOwner: boolean): Promise<RoomReports>
  /** Reports someone else's visible message of the room, once per reporter. */
  reportMessage(
    room: string,
    id: string,
    reporter: ChatUser,
    reason: string,
  ): Promise<ReportOutcome>
  /** The messages of a room that replies quote, deleted ones included; unknown ids are left out. */
  loadReplyParents(room: string, ids: readonly string[], readerId: string): Promise<ReplyParent[]>
  /**
   * Counts one attempt of `action` by `subject` against `quota`: 0 when allowed, else the whole
   * seconds until it may be tried again.
   */
  takeQuota(action: QuotaAction, subject: string, quota: Quota): Promise<number>
  /**
   * Why `userId` is blocked from sending in `room` (a block there or everywhere), or undefined:
   * for writes made in someone else's name (a relayed Prebuilt message), whose own check is the
   * sender's, not the writer's.
   */
  senderBlockReason(room: string, userId: string): Promise<string | undefined>
  /**
   * Records who is in which room under which name, from verified meeting tokens: the newest
   * token's name wins (see room-people.ts).
   */
  notePeople(people: readonly RoomPerson[]): Promise<void>
  /** Registers an upload granted to `uploaderId` in `room`: only they may attach it, once. */
  recordUpload(upload: { path: string; room: string; uploaderId: string }): Promise<void>
  /**
   * Where each of a room's uploads stands for `readerId`, in the order asked: the file of a
   * private message they may not see is `unknown` to them, as if never shared.
   */
  loadUploadStates(room: string, paths: readonly string[], readerId: string): Promise<UploadState[]>
  /** A room's chat settings (the defaults when no owner changed them). */
  loadRoomSettings(room: string): Promise<RoomSettings>
  /**
   * Sets a room's chat settings, credited to `actorId` (an owner); the settings as saved. Without
   * a retention, the room's stays as it is.
   */
  saveRoomSettings(room: string, settings: RoomSettings, actorId: string): Promise<RoomSettings>
  /** The room's call ended at `endedAt` (a later end wins): retention until the call ends. */
  recordCallEnd(room: string, endedAt: Date): Promise<void>
  /** A call started in the room at `startedAt`: an end recorded before it no longer counts. */
  recordCallStart(room: string, startedAt: Date): Promise<void>
  /** Resolves when the store answers. */
  ping(): Promise<void>
  close(): Promise<void>
}

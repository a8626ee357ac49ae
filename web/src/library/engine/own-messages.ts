import {
  type Attachment,
  type ChatUser,
  fitsLiveChannel,
  LIVE_PROTOCOL_VERSION,
  type LiveEnvelope,
  type Mention,
  mentionsNamedIn,
  messageTextSchema,
  type NewPoll,
  newMessageId,
  type StoredMessage,
} from '@shared/protocol.ts'
import { ChatApiError, type RoomApi } from './chat-api.ts'
import type { Clock } from './clock.ts'
import { Outbox, type OutboxEntry, type OutboxStorage } from './outbox.ts'
import { type Result, refused } from './result.ts'
import { newPollShown, type Timeline, type TimelineMessage } from './timeline.ts'

export interface OwnMessagesOptions {
  room: string
  user: ChatUser
  api: Pick<RoomApi, 'persistMessage'>
  storage: OutboxStorage
  clock: Clock
  timeline: Timeline
  sendLive: (envelope: LiveEnvelope) => void
  /**
   * Whether a message (`private` or for the room) waits for an owner's approval now: it is only
   * written, never sent live (nor to Daily Prebuilt), until an owner approves it.
   */
  awaitsApproval?: (isPrivate: boolean) => boolean
  /**
   * The message is sent: the others stop seeing this user typing. `live`: it went out live, which
   * ends the notice wherever it arrives (no notice of its own needed).
   */
  stopTyping: (live: boolean) => void
  /** Shows messages as stored (unless the client is gone). */
  stored: (messages: readonly StoredMessage[]) => void
  changed: () => void
  /** Copies a message to the room to Daily Prebuilt's chat (the host's `prebuiltChat`), once. */
  toPrebuilt?: (message: {
    id: string
    body: string
    attachments: readonly Attachment[]
    poll?: NewPoll
  }) => void
}

/**
 * The text of a message as it will be sent (trimmed), or why it is none: too long, or empty
 * without files.
 */
export function messageBody(text: string, hasFiles: boolean): Result<{ body: string }> {
  const body = messageTextSchema.safeParse(text)
  if (!body.success) return refused(body.error.issues[0]?.message ?? 'Invalid.')
  if (body.data === '' && !hasFiles) return refused('The message is empty.')
  return { ok: true, body: body.data }
}

/**
 * What a message is about besides its text and files: what it replies to, whom it mentions, and
 * for a private message whom it is for (`to`, a user id, and `toName`).
 */
export interface MessageContext {
  replyTo?: string
  mentions?: readonly Mention[]
  to?: string
  toName?: string
  /** A poll: the text is its question. */
  poll?: NewPoll
}

/** The context's parts that say something, for spreading into a message (no empty keys). */
const contextOf = ({ replyTo, mentions, to, toName, poll }: MessageContext) => ({
  ...(replyTo ? { replyTo } : {}),
  ...(mentions?.length ? { mentions: [...mentions] } : {}),
  ...(to ? { to, ...(toName ? { toName } : {}) } : {}),
  ...(poll ? { poll } : {}),
})

/** The context as the timeline shows it: a poll with its options and no votes yet. */
const shownContextOf = (context: MessageContext) => {
  const { poll, ...rest } = contextOf(context)
  return poll ? { ...rest, poll: newPollShown(poll) } : rest
}

/** Where a parent that is not stored yet may still be stored: a reply to it waits for it. */
const UNSAVED_PARENT = new Set<TimelineMessage['status']>(['live', 'sending', 'retrying'])

/**
 * This user's messages on their way: shown at once, sent live, and written through the outbox
 * (retried, kept across reloads). One too large for the live channel is written first and then
 * announced by id.
 */
export class OwnMessages {
  readonly #options: OwnMessagesOptions
  readonly #outbox: Outbox
  /** Own messages too large for the channel: announced by id once written. */
  readonly #announceWhenStored = new Set<string>()

  constructor(options: OwnMessagesOptions) {
    this.#options = options
    this.#outbox = new Outbox({
      storage: options.storage,
      storageKey: `backchannel.outbox.${options.room}.${options.user.id}`,
      clock: options.clock,
      persist: (entry) =>
        options.api
          .persistMessage({
            id: entry.id,
            body: entry.body,
            attachments: entry.attachments,
            ...contextOf(entry),
          })
          .catch((error: unknown) => {
            throw this.#waitingForParent(entry, error) ?? error
          }),
      onChange: (entry, stored) => this.#outboxChanged(entry, stored),
    })
  }

  /** Shows, sends live and writes a message; see ChatClient.send. */
  send(
    text: string,
    attachments: readonly Attachment[],
    previews: readonly (string | undefined)[],
    context: MessageContext = {},
  ): Result<{ id: string }> {
    const { user, room, clock, timeline, sendLive, stopTyping, changed } = this.#options
    const checked = messageBody(text, attachments.length > 0)
    if (!checked.ok) return checked
    const { body } = checked
    // Only the people the text still names: a mention picked and then typed over is no mention.
    const about = contextOf({
      ...context,
      mentions: mentionsNamedIn(body, context.mentions ?? []),
    })
    // Bound to this user: nobody else can claim it first, live or in a write.
    const id = newMessageId(user.id)
    const createdAt = new Date(clock.now()).toISOString()
    timeline.addUnsaved({
      id,
      sender: user,
      body,
      attachments: attachments.map((file, index) => ({ ...file, url: previews[index] })),
      ...shownContextOf(about),
      createdAt,
      status: 'sending',
      own: true,
    })
    const envelope: LiveEnvelope = {
      v: LIVE_PROTOCOL_VERSION,
      type: 'chat',
      id,
      body,
      ...(attachments.length > 0 ? { attachments: [...attachments] } : {}),
      ...about,
      createdAt,
    }
    const held = this.#options.awaitsApproval?.(about.to !== undefined) === true
    const live = !held && fitsLiveChannel(envelope)
    if (live) sendLive(envelope)
    else if (!held) this.#announceWhenStored.add(id)
    stopTyping(live)
    // Once per message, whatever its writes do; never a private one, nor one that waits.
    if (!about.to && !held) {
      this.#options.toPrebuilt?.({
        id,
        body,
        attachments,
        ...(about.poll ? { poll: about.poll } : {}),
      })
    }
    this.#outbox.add({
      id,
      room,
      body,
      attachments: [...attachments],
      ...about,
      createdAt,
    })
    changed()
    return { ok: true, id }
  }

  /** Tries a message the outbox gave up on again. */
  retry(id: string): void {
    this.#outbox.retry(id)
  }

  /** Unsent messages from before a reload, shown (after the history they followed). */
  showUnsent(): void {
    const { user, timeline } = this.#options
    for (const entry of this.#outbox.entries()) {
      timeline.addUnsaved({
        id: entry.id,
        sender: user,
        body: entry.body,
        attachments: entry.attachments,
        ...shownContextOf(entry),
        createdAt: entry.createdAt,
        status: entry.state === 'failed' ? 'failed' : 'retrying',
        own: true,
        error: entry.error,
      })
    }
  }

  /** Writes the unsent messages from before a reload. */
  resume(): void {
    this.#outbox.resume()
  }

  /** Stops retrying; unsent messages stay in storage. */
  dispose(): void {
    this.#outbox.dispose()
  }

  /**
   * A reply refused because its parent is not stored yet, while this page still sees that parent
   * on its way (received live, or one's own still sending): worth trying again, like a network
   * error, instead of failing. Undefined for every other failure.
   */
  #waitingForParent(entry: OutboxEntry, error: unknown): ChatApiError | undefined {
    if (!(error instanceof ChatApiError) || error.code !== 'invalid_reply' || !entry.replyTo) {
      return undefined
    }
    const parent = this.#options.timeline.get(entry.replyTo)
    if (!parent || parent.seq !== undefined || !UNSAVED_PARENT.has(parent.status)) return undefined
    return new ChatApiError(
      0,
      'reply_parent_unsaved',
      'The message it replies to is not saved yet.',
    )
  }

  #outboxChanged(entry: OutboxEntry, stored?: StoredMessage): void {
    const { timeline, sendLive, changed } = this.#options
    if (stored) {
      this.#options.stored([stored])
      if (this.#announceWhenStored.delete(entry.id)) {
        sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'chat-ref', id: entry.id })
      }
      return
    }
    if (entry.state === 'failed') timeline.setStatus(entry.id, 'failed', entry.error)
    else if (entry.attempts > 0) timeline.setStatus(entry.id, 'retrying', entry.error)
    changed()
  }
}

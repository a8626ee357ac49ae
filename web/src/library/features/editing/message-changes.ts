import { LIVE_PROTOCOL_VERSION, type LiveEnvelope, type StoredMessage } from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import { messageBody } from '../../engine/own-messages.ts'
import { type Result, refused } from '../../engine/result.ts'
import type { Timeline, TimelineMessage } from '../../engine/timeline.ts'
import { deleteMessage, editMessage } from './editing-api.ts'

export interface MessageChangesOptions {
  api: Pick<RoomApi, 'route'>
  timeline: Timeline
  /** A room owner (token claim `o`) may delete anyone's message. */
  owner: boolean
  sendLive: (envelope: LiveEnvelope) => void
  stored: (messages: readonly StoredMessage[]) => void
  changed: () => void
}

/** Edits and deletions of stored messages, who may make them, and telling the others live. */
export class MessageChanges {
  readonly #options: MessageChangesOptions

  constructor(options: MessageChangesOptions) {
    this.#options = options
  }

  /** Changes the text of an own message; others see it live. Returns why not. */
  async edit(id: string, text: string): Promise<Result> {
    const { api, timeline, sendLive, stored } = this.#options
    const message = timeline.get(id)
    if (!message?.own || message.seq === undefined) {
      return refused('Only your own saved messages can be edited.')
    }
    const checked = messageBody(text, message.attachments.length > 0)
    if (!checked.ok) return checked
    try {
      stored([await editMessage(api, id, checked.body)])
    } catch (error) {
      return refused((error as Error).message)
    }
    sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'changed', id })
    return { ok: true }
  }

  /** Deletes a message (own, or anyone's for a room owner); others see it live. Returns why not. */
  async remove(id: string): Promise<Result> {
    const { api, timeline, sendLive, changed } = this.#options
    try {
      await deleteMessage(api, id)
    } catch (error) {
      return refused((error as Error).message)
    }
    timeline.markDeleted(id)
    changed()
    sendLive({ v: LIVE_PROTOCOL_VERSION, type: 'changed', id })
    return { ok: true }
  }

  /**
   * Whether this user may edit (`edit`) or delete (`remove`) a message shown: their own once
   * stored; for a room owner, anyone's, including one just received live (stored by then, or the
   * deletion says it is not yet).
   */
  can(action: 'edit' | 'remove', message: TimelineMessage): boolean {
    if (message.deleted) return false
    if (message.own) return message.seq !== undefined
    return (
      action === 'remove' &&
      this.#options.owner &&
      (message.seq !== undefined || message.status === 'live')
    )
  }
}

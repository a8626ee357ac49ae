import type { ChatClient } from '../../engine/chat-client.ts'
import type { Result } from '../../engine/result.ts'
import type { ReadableStore } from '../../engine/store.ts'
import type { MessageView } from '../../engine/timeline.ts'

/** The message being edited, its draft text, and how many times editing was started (focus). */
export interface Editing {
  id: string
  text: string
  started: number
}

/** Where focus goes back to once editing ends (an element, in the browser). */
export interface FocusTarget {
  focus(): void
  readonly isConnected: boolean
}

export interface MessageEditingSnapshot {
  /** The message being edited while it still may be, with its draft. */
  editing: Editing | undefined
  /** How many times editing has ended: after each, focus goes back to what started it. */
  ended: number
}

/** The part of the chat client editing uses. */
export type EditingClient = Pick<ChatClient, 'can' | 'edit' | 'messages'>

/**
 * Which message is being edited, outside React, held above the list so that the composer (Up
 * arrow) can start editing too. Editing ends by itself once its message is deleted or no longer
 * editable. Focus is bookkept here (which editor mount takes it, where it goes back); moving it
 * is the hook's job.
 *
 * @example
 * const editing = new MessageEditing(client)
 * editing.start(message.id, menuButton)
 * await editing.save(message.id, 'new text')
 */
export class MessageEditing implements ReadableStore<MessageEditingSnapshot> {
  readonly #client: EditingClient
  readonly #listeners = new Set<() => void>()
  #unsubscribeClient: (() => void) | undefined
  #state: Editing | undefined
  #ended = 0
  #starts = 0
  /** Only the editor's first mount takes focus (see takeFocus). */
  #focusPending = false
  #returnFocus: FocusTarget | null = null
  #snapshot: MessageEditingSnapshot = { editing: undefined, ended: 0 }
  /** The last answer of #editable, while neither the editing nor the messages change. */
  #checked: { state: Editing; messages: MessageView; editable: boolean } | undefined

  constructor(client: EditingClient) {
    this.#client = client
  }

  /** Listens to the client only while someone listens here. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    this.#unsubscribeClient ??= this.#client.messages.subscribe(() => this.#clientChanged())
    return () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size > 0) return
      this.#unsubscribeClient?.()
      this.#unsubscribeClient = undefined
    }
  }

  getSnapshot = (): MessageEditingSnapshot => {
    const editing = this.#editable() ? this.#state : undefined
    if (editing !== this.#snapshot.editing || this.#ended !== this.#snapshot.ended) {
      this.#snapshot = { editing, ended: this.#ended }
    }
    return this.#snapshot
  }

  /**
   * Starts editing a message, from its text as shown now; focus goes back to `from` when editing
   * ends. Started again on the message being edited (Up arrow from the composer): focus goes
   * back to the editor, the draft stays.
   */
  start = (id: string, from: FocusTarget | null): void => {
    this.#returnFocus = from
    this.#focusPending = true
    const body = this.#messages().get(id)?.body ?? ''
    const started = ++this.#starts
    this.#set(this.#state?.id === id ? { ...this.#state, started } : { id, text: body, started })
  }

  /** The draft changed. */
  changeDraft = (text: string): void => {
    if (this.#state && this.#state.text !== text) this.#set({ ...this.#state, text })
  }

  /** Saves the new text; editing ends if it worked. */
  save = async (id: string, text: string): Promise<Result> => {
    const result = await this.#client.edit(id, text)
    if (result.ok) this.finish(id)
    return result
  }

  /** Ends editing (of message `id` only, if given); focus is to go back. */
  finish = (id?: string): void => {
    if (id === undefined || this.#state?.id === id) this.#state = undefined
    this.#ended++
    this.#notify()
  }

  /** Whether the editor mounting now should take focus: once per start of editing. */
  takeFocus = (): boolean => {
    const pending = this.#focusPending
    this.#focusPending = false
    return pending
  }

  /** Where focus goes back to now that editing ended (once). */
  takeReturnFocus(): FocusTarget | null {
    const target = this.#returnFocus
    this.#returnFocus = null
    return target
  }

  /**
   * Edits this user's most recent editable message, or goes back to the one being edited (its
   * draft is not dropped); false if there is none.
   */
  editLatest = (from: FocusTarget | null): boolean => {
    const target = this.#state?.id ?? this.#latestEditable()
    if (target === undefined) return false
    this.start(target, from)
    return true
  }

  #messages(): MessageView {
    return this.#client.messages.getSnapshot()
  }

  /** This user's newest message they may edit, looked for from the newest down. */
  #latestEditable(): string | undefined {
    const messages = this.#messages()
    for (let index = messages.size - 1; index >= 0; index -= 1) {
      const candidate = messages.at(index)
      if (candidate && this.#client.can('edit', candidate)) return candidate.id
    }
    return undefined
  }

  #editable(): boolean {
    const state = this.#state
    if (!state) return false
    const messages = this.#messages()
    const checked = this.#checked
    if (checked?.state === state && checked.messages === messages) return checked.editable
    const message = messages.get(state.id)
    const editable = message !== undefined && this.#client.can('edit', message)
    this.#checked = { state, messages, editable }
    return editable
  }

  #clientChanged(): void {
    // Deleted meanwhile (by a room owner, or in another tab): there is nothing left to edit.
    if (this.#state && !this.#editable()) this.finish()
    else this.#notify()
  }

  #set(state: Editing): void {
    this.#state = state
    this.#notify()
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener()
  }
}

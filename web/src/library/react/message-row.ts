import type { ReactNode } from 'react'
import type { ChatClient } from '../engine/chat-client.ts'
import type { Result } from '../engine/result.ts'
import type { TimelineMessage } from '../engine/timeline.ts'
import type { MessageActionHandlers } from './message-item.tsx'

/** What every row feature gets besides its message: the client and the column's bound actions. */
interface RowContext {
  client: ChatClient
  actions: MessageActionHandlers
  /** Starts a reply to a message; absent where replies are not offered. */
  onReply?: (message: TimelineMessage) => void
  /** While this message is edited: the text being typed, and a count of editing starts. */
  editing?: { text: string; started: number }
  /** Goes to the message a quote shows (scrolling to it, older pages loaded if need be). */
  onGoToQuote?: (id: string) => void
}

/** What the menu's panel for an action may do: close (focus back to the menu button), fail. */
export interface PanelControls {
  /** The menu button: where focus goes back when the panel closes. */
  button: HTMLElement | null
  /** Closes the panel; `focusButton` false when focus has gone somewhere on purpose. */
  close(focusButton?: boolean): void
  /** Closes the panel and shows why the action failed, focus back on the menu button. */
  fail(text: string): void
}

/**
 * One thing a person can do with a message: an item of its "Message actions" menu and, with
 * `bar`, a button of its hover bar too. Either it runs at once (`run`, whose failed Result shows
 * as `failure(error)`), or it opens a panel under the message (a confirmation, a form).
 */
export interface MessageAction {
  label: string
  /** Where it sits in the menu: lower first. */
  order: number
  danger?: boolean
  /** Also a button of the message's hover bar: its symbol and class. */
  bar?: { symbol: string; className: string }
  run?: (from: HTMLElement | null) => undefined | Promise<Result>
  /** Nothing else takes focus when it runs: focus goes back to the menu button first. */
  keepsFocus?: boolean
  failure?: (error: string) => string
  panel?: (controls: PanelControls) => ReactNode
}

/** A feature's part of one message row (any part may be absent). */
export interface RowPart {
  /** A class the row's message element carries (e.g. `private`, `mentions-me`). */
  className?: string
  /** Shown above the text: who a private message is for, that it mentions you. */
  badge?: ReactNode
  /** Shown above the text, after the badges: the quote of what it replies to. */
  header?: ReactNode
  /** Shown instead of the text: the editor while the message is edited. */
  replacesText?: ReactNode
  /** Shown right after the text: a poll's options. */
  afterText?: ReactNode
  /** Shown under the text and files: reported, pinned, the reactions. */
  footer?: ReactNode
  actions?: readonly MessageAction[]
}

/**
 * A feature's contribution to every message row, registered once in `row-features.ts`. `useRow`
 * is a hook: it runs on every render of the row, in the registry's order, so it may keep state
 * (a picker's open state) and read stores; it reads what its part needs and nothing else.
 */
export interface RowFeature {
  useRow(message: TimelineMessage, context: RowContext): RowPart
}

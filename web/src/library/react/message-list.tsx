import { measureElement, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual'
import {
  type AnimationEvent,
  type ComponentProps,
  type KeyboardEvent,
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react'
import type { ChatClient } from '../engine/chat-client.ts'
import { Store } from '../engine/store.ts'
import type { TimelineMessage } from '../engine/timeline.ts'
import { NewMessagesButton } from '../features/unread/new-messages-button.tsx'
import { SeenMark } from '../features/unread/use-unseen-count.ts'
import { ChatClientContext } from './chat-context.ts'
import { type MessageActionHandlers, MessageItem } from './message-item.tsx'
import { pageVisible, usePageVisible } from './use-page-visible.ts'
import { useStore } from './use-store.ts'

const GROUP_WINDOW_MS = 5 * 60 * 1000
/** The keys that move focus between message rows (see onKeyDown in MessageList). */
const ROW_KEYS = new Set(['ArrowUp', 'ArrowDown', 'Home', 'End'])
/** How close to the bottom (px) still counts as "at the bottom". */
const STICK_THRESHOLD_PX = 48
/**
 * How close to the top (px) starts loading older history: a few screens ahead, so the next page
 * is usually there before the reader reaches the top, and scrolling up does not stop to wait.
 */
const LOAD_OLDER_THRESHOLD_PX = 2000

const ESTIMATED_ROW_PX = 56

/**
 * A row's height for the virtualizer (its `measureElement`). While the list follows the newest
 * message, a row that mounts is not measured there and then: read in the row's ref, its height
 * forced a layout in the middle of React's commit and, being new, a second render of the list,
 * both before the message reached the DOM. It keeps its key's last height, or the estimate, until
 * the ResizeObserver reports it (after the browser's own layout, before paint). Otherwise, e.g.
 * while the list opens at the "New messages" divider, the virtualizer's own measurement.
 */
function rowHeights(following: () => boolean) {
  const heights = new Map<number | string | bigint, number>()
  return (
    element: Element,
    entry: ResizeObserverEntry | undefined,
    virtualizer: Virtualizer<HTMLDivElement, Element>,
  ): number => {
    const key = virtualizer.options.getItemKey(virtualizer.indexFromElement(element))
    if (entry === undefined && following()) return heights.get(key) ?? ESTIMATED_ROW_PX
    const size = measureElement(element, entry, virtualizer)
    heights.set(key, size)
    return size
  }
}

const continues = (message: TimelineMessage, previous: TimelineMessage | undefined) =>
  previous !== undefined &&
  previous.sender.id === message.sender.id &&
  // A private message stands apart from the room's, with its own label.
  previous.to === message.to &&
  Date.parse(message.createdAt) - Date.parse(previous.createdAt) < GROUP_WINDOW_MS

/**
 * The conversation of `client`, rendering only the messages in view: it reads the client's
 * message view (never a copy of the history) and each row reads its own message. It sticks to the
 * bottom while the reader is there; otherwise new messages (see Arrivals) raise a "New messages"
 * button instead of moving the view.
 */
export function MessageList({
  client,
  hasOlder,
  loadingOlder,
  onLoadOlder,
  onRetry,
  actions,
  editing,
  onReply,
  onReveal,
  goTo,
}: {
  /**
   * The room's client: its messages, which are new (`arrivals`), how far the reader has read
   * (`readPosition`: a "New messages" divider goes above the first message after it, and the
   * list opens there), and what rows read on their own (names, quotes).
   */
  client: ChatClient
  hasOlder: boolean
  loadingOlder: boolean
  onLoadOlder: () => void
  onRetry: (id: string) => void
  /** Edit and delete, for the messages this user may act on. */
  actions: MessageActionHandlers
  /** The message being edited and its draft: the list brings it into view when editing starts. */
  editing?: { id: string; text: string; started: number }
  /** A message's Reply action (ChatClient.replyDraft.start). */
  onReply?: (message: TimelineMessage) => void
  /**
   * Makes a message part of the list, loading older pages if need be (ChatClient.reveal); false
   * when it is not to be had. The list then scrolls to it and highlights it.
   */
  onReveal?: (id: string) => Promise<boolean>
  /**
   * A request from outside the list (a search result) to go to a message, as a quote does: a new
   * object each time, even for the same message.
   */
  goTo?: { id: string }
}) {
  const messages = useStore(client.messages)
  const { arrivals, readPosition } = client
  const scrollRef = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  // A copy for the "New messages" button, which renders from it: the list reads the ref as the
  // reader scrolls, without rendering; setAtBottom writes both.
  const [atBottomStore] = useState(() => new Store(true))
  const setAtBottom = useCallback(
    (value: boolean) => {
      atBottom.current = value
      atBottomStore.set(value)
    },
    [atBottomStore],
  )
  // The reader sees what came while at the bottom, a scroll position (not state): the list marks
  // it seen whenever they are there, in a store only the "New messages" button reads.
  const [seen] = useState(() => new SeenMark(arrivals))
  // With the tab visible, being at the bottom also reads everything: the read position moves on.
  const markSeen = useCallback(() => {
    seen.markSeen()
    const newest = messages.at(messages.size - 1)
    if (newest && pageVisible()) readPosition?.markRead(newest)
  }, [seen, messages, readPosition])
  const previous = useRef({
    first: messages.at(0)?.id,
    last: messages.at(messages.size - 1)?.id,
    count: 0,
    height: 0,
  })

  // A new getItemKey makes the virtualizer recompute every row's position (all 10,000 of a long
  // history) on that render: it changes only with the messages, not on every scroll frame.
  // Following: at the bottom of a list already open (as it opens, rows are measured at once).
  const [measureHeight] = useState(() =>
    rowHeights(() => atBottom.current && previous.current.count > 0),
  )
  const getItemKey = useCallback((index: number) => messages.at(index)?.id ?? index, [messages])
  const virtualizer = useVirtualizer({
    count: messages.size,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: 8,
    getItemKey,
    measureElement: measureHeight,
    // When older pages go in above, the rows in view keep their place within the same render.
    // Moved afterwards instead (scrollTop plus the added height), each page rendered the rows of
    // the old offset first: every row in view unmounted, mounted and swapped back, in one frame.
    anchorTo: 'end',
  })

  const scrollToBottom = useCallback(() => {
    const element = scrollRef.current
    if (element) element.scrollTop = element.scrollHeight
    setAtBottom(true)
    markSeen()
  }, [markSeen, setAtBottom])
  // What came while the reader is at the bottom is scrolled to in the next frame, before it is
  // painted: scrolling in the commit forced the browser to lay out the new row there and then,
  // before the message was in the DOM; in the frame, that layout is the one the frame does anyway.
  // scrollHeight includes the new row's real height even before the virtualizer measures it.
  const stickFrame = useRef<number>(undefined)
  const latestScrollToBottom = useRef(scrollToBottom)
  const stickBeforePaint = useCallback(() => {
    if (stickFrame.current !== undefined) return
    stickFrame.current = requestAnimationFrame(() => {
      stickFrame.current = undefined
      // The reader may have scrolled away since.
      if (atBottom.current) latestScrollToBottom.current()
    })
  }, [])
  useEffect(
    () => () => {
      if (stickFrame.current !== undefined) cancelAnimationFrame(stickFrame.current)
    },
    [],
  )

  // The "New messages" divider sits above the first message not read yet, placed when the list
  // opens (a reload, a rejoin) and when the reader comes back to the tab; it does not follow them
  // as they read. The list then shows it at the top instead of opening at the bottom.
  const [divider, setDivider] = useState<string>()
  const openAtDivider = useCallback(
    (id: string, index: number, scroll: boolean) => {
      setDivider(id)
      if (!scroll) return
      setAtBottom(false)
      virtualizer.scrollToIndex(index, { align: 'start' })
      // Everything may fit on screen, then nothing scrolls: look again once the rows settle.
      requestAnimationFrame(() => {
        const element = scrollRef.current
        if (!element) return
        const distance = element.scrollHeight - element.scrollTop - element.clientHeight
        setAtBottom(distance <= STICK_THRESHOLD_PX)
        if (atBottom.current) markSeen()
      })
    },
    [virtualizer, markSeen, setAtBottom],
  )
  const visible = usePageVisible()
  const wasVisible = useRef(visible)
  useEffect(() => {
    if (visible === wasVisible.current) return
    wasVisible.current = visible
    if (!visible) return
    // Back to the tab: what came meanwhile is unread. A reader scrolled up stays where they were.
    // The whole list, but only on coming back to the tab.
    const unread = readPosition?.firstUnread(messages.list())
    if (unread) openAtDivider(unread.id, messages.indexOf(unread.id), atBottom.current)
    else if (atBottom.current) markSeen()
  }, [visible, messages, readPosition, openAtDivider, markSeen])

  // After each change of the list: keep the reader where they were.
  useLayoutEffect(() => {
    const element = scrollRef.current
    latestScrollToBottom.current = scrollToBottom
    const before = previous.current
    const first = messages.at(0)?.id
    const last = messages.at(messages.size - 1)?.id
    const height = virtualizer.getTotalSize()
    // The whole list once, when the list opens.
    const opening = before.count === 0 ? readPosition?.firstUnread(messages.list()) : undefined
    if (opening) openAtDivider(opening.id, messages.indexOf(opening.id), true)
    else if (element && before.count > 0 && first !== before.first && last === before.last) {
      // Older history went in above. A reader at the bottom stays there (older pages load while
      // the newest are still settling into view); anyone else stays on the rows they were reading:
      // the virtualizer (anchorTo 'end') moved the view by what was added, before this render.
      if (atBottom.current) scrollToBottom()
    } else if ((last !== before.last || messages.size !== before.count) && atBottom.current) {
      // Something came: a reader at the bottom stays there. Also when it went in above the last
      // message (a later page of a catch-up): the virtualizer may still be steering towards the
      // old last row, which would leave the reader mid-list.
      stickBeforePaint()
    }
    // At the bottom, whatever came is in view (a gap filled above the last message too); marked
    // seen now, or as the list sticks to the bottom.
    if (atBottom.current && stickFrame.current === undefined) markSeen()
    previous.current = { first, last, count: messages.size, height }
  }, [
    messages,
    virtualizer,
    scrollToBottom,
    stickBeforePaint,
    markSeen,
    readPosition,
    openAtDivider,
  ])

  // Rows the ResizeObserver measured (before paint) moved the end: a reader at the bottom stays
  // there. Not for a change of the messages, which sticks in the next frame (stickBeforePaint).
  const totalSize = virtualizer.getTotalSize()
  useLayoutEffect(() => {
    if (totalSize === 0 || !atBottom.current || stickFrame.current !== undefined) return
    const element = scrollRef.current
    if (element) element.scrollTop = element.scrollHeight
  }, [totalSize])

  // Editing can start on a message out of view (Up arrow in the composer): its row may not even be
  // rendered yet, so the virtualizer scrolls to it; the editor then takes focus as it mounts.
  const editingId = editing?.id
  const editingStarted = editing?.started
  const scrolledFor = useRef<number>(undefined)
  useEffect(() => {
    // Once per start of editing, not again as messages arrive: the reader may have scrolled away.
    if (editingStarted === scrolledFor.current) return
    scrolledFor.current = editingStarted
    if (editingId === undefined) return
    const index = messages.indexOf(editingId)
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' })
  }, [editingId, editingStarted, messages, virtualizer])

  // Going to the message a quote shows: once it is in the list, it is scrolled to (once per click),
  // focused so that a screen reader reads it, and highlighted until its animation ends.
  const [target, setTarget] = useState<{ id: string; count: number }>()
  const revealed = useRef(0)
  const goToQuote = useCallback(
    async (id: string) => {
      const count = ++revealed.current
      if (!(await onReveal?.(id)) || count !== revealed.current) return
      setTarget({ id, count })
    },
    [onReveal],
  )
  useEffect(() => {
    if (goTo) void goToQuote(goTo.id)
  }, [goTo, goToQuote])
  const scrolledTo = useRef<number>(undefined)
  useEffect(() => {
    if (!target || scrolledTo.current === target.count) return
    const index = messages.indexOf(target.id)
    if (index < 0) return
    scrolledTo.current = target.count
    setAtBottom(false)
    virtualizer.scrollToIndex(index, { align: 'center' })
  }, [target, messages, virtualizer, setAtBottom])
  const focusedFor = useRef<number>(undefined)
  const measureTarget = useCallback(
    (element: HTMLDivElement | null) => {
      virtualizer.measureElement(element)
      if (!element || !target || focusedFor.current === target.count) return
      focusedFor.current = target.count
      element.focus({ preventScroll: true })
    },
    [virtualizer, target],
  )
  // The highlight ends with its own animation, not one inside the message. One function for every
  // render: a new one per row would make React update every row's element on each render.
  const endHighlight = useCallback((event: AnimationEvent<HTMLDivElement>) => {
    if (event.target === event.currentTarget) setTarget(undefined)
  }, [])

  // Arrow keys move focus between messages while the list or a message row has it (not while
  // focus is inside a message: menus, pickers and the editor keep their own keys). ↑/↓ go one
  // message, Home/End to the first and last loaded; from the list itself ↓ starts at the first
  // message in view and ↑ at the last. A row not rendered yet takes focus as it mounts.
  const focusOnMount = useRef<number>(undefined)
  const focusRow = useCallback(
    (index: number) => {
      virtualizer.scrollToIndex(index, { align: 'auto' })
      const row = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${index}"]`)
      if (row) row.focus({ preventScroll: true })
      else focusOnMount.current = index
    },
    [virtualizer],
  )
  const measureRow = useCallback(
    (element: HTMLDivElement | null) => {
      virtualizer.measureElement(element)
      if (!element || Number(element.dataset.index) !== focusOnMount.current) return
      focusOnMount.current = undefined
      element.focus({ preventScroll: true })
    },
    [virtualizer],
  )
  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>) => {
      if (!ROW_KEYS.has(event.key) || event.altKey || event.ctrlKey || event.metaKey) return
      const target = event.target as HTMLElement
      const fromList = target === event.currentTarget
      if (!fromList && !target.classList.contains('bc-message-row')) return
      const last = messages.size - 1
      if (last < 0) return
      let index: number
      if (event.key === 'Home') index = 0
      else if (event.key === 'End') index = last
      else if (fromList) {
        const top = event.currentTarget.scrollTop
        const bottom = top + event.currentTarget.clientHeight
        const inView = virtualizer
          .getVirtualItems()
          .filter((item) => item.end > top && item.start < bottom)
        index = (event.key === 'ArrowDown' ? inView[0] : inView.at(-1))?.index ?? last
      } else {
        const at = Number(target.dataset.index)
        index = Math.min(last, Math.max(0, at + (event.key === 'ArrowDown' ? 1 : -1)))
      }
      event.preventDefault()
      focusRow(index)
    },
    [messages.size, virtualizer, focusRow],
  )

  const onScroll = useCallback(() => {
    const element = scrollRef.current
    if (!element) return
    // Until the list sticks to what came (stickBeforePaint), the new rows below are not the
    // reader moving away from the bottom.
    if (stickFrame.current === undefined) {
      const distance = element.scrollHeight - element.scrollTop - element.clientHeight
      setAtBottom(distance <= STICK_THRESHOLD_PX)
      if (atBottom.current) markSeen()
    }
    if (element.scrollTop <= LOAD_OLDER_THRESHOLD_PX && hasOlder && !loadingOlder) onLoadOlder()
  }, [hasOlder, loadingOlder, onLoadOlder, markSeen, setAtBottom])

  // A short conversation does not scroll, so ask for older history right away.
  useEffect(() => {
    const element = scrollRef.current
    if (element && hasOlder && !loadingOlder && element.scrollHeight <= element.clientHeight) {
      onLoadOlder()
    }
  }, [hasOlder, loadingOlder, onLoadOlder])

  const items = virtualizer.getVirtualItems()
  return (
    <ChatClientContext.Provider value={client}>
      <div className="bc-message-list">
        {loadingOlder && <p className="bc-history-note">Loading earlier messages…</p>}
        <div
          ref={scrollRef}
          className="bc-message-scroll"
          role="log"
          aria-label="Chat messages"
          // New messages are announced by the live region below, once each.
          aria-live="off"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
          tabIndex={0}
          onScroll={onScroll}
          onKeyDown={onKeyDown}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            <div
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                width: '100%',
                transform: `translateY(${items[0]?.start ?? 0}px)`,
              }}
            >
              {items.map((item) => {
                const message = messages.at(item.index)
                if (!message) return null
                const targeted = target?.id === message.id
                return (
                  <MessageRow
                    key={item.key}
                    index={item.index}
                    rowRef={targeted ? measureTarget : measureRow}
                    targeted={targeted}
                    onHighlightEnd={targeted ? endHighlight : undefined}
                    divider={message.id === divider}
                    message={message}
                    continued={continues(message, messages.at(item.index - 1))}
                    onRetry={onRetry}
                    actions={actions}
                    editing={editing?.id === message.id ? editing : undefined}
                    onReply={onReply}
                    onGoToQuote={goToQuote}
                  />
                )
              })}
            </div>
          </div>
        </div>
        <NewMessagesButton
          arrivals={arrivals}
          seen={seen}
          atBottom={atBottomStore}
          onClick={scrollToBottom}
        />
      </div>
    </ChatClientContext.Provider>
  )
}

/**
 * One row of the list: the element the virtualizer measures and arrow keys focus, the "New
 * messages" divider above its message, the message. Memoized: the list renders on every scroll
 * frame, every measurement and every message, and a row whose props did not change is skipped
 * whole, its element included.
 */
const MessageRow = memo(function MessageRow({
  index,
  rowRef,
  targeted,
  onHighlightEnd,
  divider,
  ...item
}: ComponentProps<typeof MessageItem> & {
  index: number
  rowRef: (element: HTMLDivElement | null) => void
  /** The message gone to from a quote: highlighted until its animation ends. */
  targeted: boolean
  onHighlightEnd?: (event: AnimationEvent<HTMLDivElement>) => void
  /** The "New messages" divider goes above this message. */
  divider: boolean
}) {
  return (
    <div
      data-index={index}
      ref={rowRef}
      className={targeted ? 'bc-message-row bc-reply-target' : 'bc-message-row'}
      // Focused by the arrow keys (onKeyDown) and by going to a quoted message.
      tabIndex={-1}
      onAnimationEnd={onHighlightEnd}
    >
      {divider && (
        // biome-ignore lint/a11y/useSemanticElements: an <hr> cannot show its label.
        <div className="bc-unread-divider" role="separator" aria-label="New messages">
          <span>New messages</span>
        </div>
      )}
      <MessageItem {...item} />
    </div>
  )
})

import {
  type EmojiPickerListCategoryHeaderProps,
  type EmojiPickerListEmojiProps,
  type EmojiPickerListRowProps,
  EmojiPicker as Picker,
} from 'frimousse'
import { Children, isValidElement, type ReactNode, useEffect, useId, useRef } from 'react'
import { emojiCategory, resolveEmojiData } from './emoji-data.ts'

// Every Unicode emoji, with search, categories and skin tones: frimousse (Liveblocks), an unstyled
// React picker. Chosen because it fits the page's Content-Security-Policy (web/csp.ts): it adds
// no <style> element (only style attributes through the DOM, which the policy allows; the looks
// are backchannel.css), draws native emoji (no image sprites) and takes its data from us
// (emoji-data.ts, bundled) instead of a CDN, so it also works offline and inside host apps.
// emoji-picker-react and emoji-picker-element both inject <style> elements (a nonce would be
// needed, and a static policy has none) and fetch their data or images from jsDelivr by default.
// Loaded lazily (reaction-picker.tsx): the library and the data are this chunk only.

/** Emoji a row: frimousse lays the rows out, and Up and Down move by them. */
const COLUMNS = 8

/**
 * Every emoji this system can draw, by category, each a button named by its emoji (its name,
 * "Rocket", is its description and tooltip). Focus goes to the search field: typing filters,
 * the arrow keys move through the emoji (the one chosen is announced and outlined), Enter picks
 * it. The skin tone button beside the field changes the tone of every emoji that has one.
 */
export default function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const search = useRef<HTMLInputElement>(null)
  const hint = useId()

  // Asking for more emoji is asking to look for one.
  useEffect(() => {
    search.current?.focus()
  }, [])

  return (
    <Picker.Root
      className="bc-emoji-picker"
      role="group"
      aria-label="All emoji"
      columns={COLUMNS}
      resolveEmojiData={resolveEmojiData}
      onEmojiSelect={({ emoji }) => onPick(emoji)}
    >
      <div className="bc-emoji-picker-tools">
        <Picker.Search
          ref={search}
          className="bc-emoji-search"
          aria-label="Search emoji"
          aria-describedby={hint}
          placeholder="Search emoji"
        />
        <Picker.SkinToneSelector className="bc-emoji-skin-tone" />
      </div>
      <p id={hint} className="bc-visually-hidden">
        Arrow keys choose an emoji, Enter picks it.
      </p>
      {/* Not a tab stop of its own: the field's arrow keys reach every emoji. */}
      <Picker.Viewport className="bc-emoji-viewport" tabIndex={-1}>
        <Picker.Loading className="bc-emoji-status">Loading emoji…</Picker.Loading>
        <Picker.Empty>
          {({ search }) => (
            <p className="bc-emoji-status" role="status">
              No emoji found for “{search}”.
            </p>
          )}
        </Picker.Empty>
        <Picker.List
          className="bc-emoji-list"
          aria-label="Emoji"
          components={{ CategoryHeader, Row, Emoji }}
        />
      </Picker.Viewport>
    </Picker.Root>
  )
}

/**
 * A category's sticky heading. The list is virtual, so headings do not sit beside their rows in
 * the document: screen readers hear the category as each row's name (`Row`) instead.
 */
function CategoryHeader({ category, ...props }: EmojiPickerListCategoryHeaderProps) {
  return (
    <div {...props} className="bc-emoji-category" aria-hidden="true">
      {category.label}
    </div>
  )
}

/** A row of the grid, named by its emoji's category ("Travel & places"). */
function Row({ children, ...props }: EmojiPickerListRowProps) {
  return (
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: frimousse's props give it its role, row.
    <div {...props} className="bc-emoji-row" aria-label={rowCategory(children)}>
      {children}
    </div>
  )
}

/** The category of a row's first emoji (frimousse renders each emoji with its `emoji` prop). */
function rowCategory(children: ReactNode): string | undefined {
  const first = Children.toArray(children)[0]
  if (!isValidElement<{ emoji?: { emoji?: unknown } }>(first)) return undefined
  const emoji = first.props.emoji?.emoji
  return typeof emoji === 'string' ? emojiCategory(emoji) : undefined
}

/**
 * A cell of the grid holding a button named by its emoji. Not a tab stop: focus stays in the
 * search field while the arrow keys move the active emoji (`data-active`, outlined in CSS).
 */
function Emoji({
  emoji,
  role,
  'aria-colindex': column,
  'aria-selected': selected,
  'aria-label': _name,
  ...button
}: EmojiPickerListEmojiProps) {
  return (
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the role is frimousse's, gridcell.
    <div role={role} aria-colindex={column} aria-selected={selected} className="bc-emoji-cell">
      <button type="button" {...button} title={emoji.label}>
        {emoji.emoji}
      </button>
    </div>
  )
}

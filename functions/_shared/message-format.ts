/**
 * Message formatting: the part of Slack's syntax people already type, read into a small tree that
 * components render as React elements. Nothing here produces HTML: text stays text, so markup in a
 * message shows as the characters typed. Every rule reads each character a bounded number of times
 * (no regular expression that can backtrack over the text), so 4,000 characters of markers parse
 * as fast as 4,000 letters.
 *
 * Blocks, line by line: fenced code (```` ``` ````, optionally with a language word, whitespace
 * kept), quotes (`>` at the start of a line), bullet lists (`- `, `* `, `• `) and numbered lists
 * (`1. `). Within a line: `*bold*` and `**bold**`, `_italic_`, `~strike~` and `~~strike~~`,
 * `` `code` ``, and http(s) links (`linkify.ts`). Inline styles never span lines, markers must hug
 * the text they mark (`a * b * c`, `2*3*4`, `snake_case` stay as typed), and whatever does not
 * close stays literal. Inside code nothing is formatted or linked. Mentions: `@Name` where the
 * message says it mentions Name (its `mentions`), never a name typed by hand, and only as a word
 * of its own outside code and links (see mentionReader).
 *
 * Shared by the SPA, which renders the tree, and the chat function, which accepts a mention only
 * where readers will see it (protocol.ts, mentionsNamedIn): one parser, so both agree.
 */
import { linkAt } from './linkify.ts'

/** One person a message mentions, as this parser needs it (protocol.ts's Mention). */
interface MentionOf {
  userId: string
  name: string
}

type InlineStyle = 'strong' | 'emphasis' | 'strike'

/** Content within a line (or several lines of a paragraph, joined by "\n" text). */
export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'code'; text: string }
  /** `@Name` of a person the message mentions. */
  | { kind: 'mention'; text: string; userId: string }
  | { kind: InlineStyle; children: Inline[] }

export interface ListItem {
  /** The number typed before a numbered item. */
  number?: number
  children: Inline[]
}

export type Block =
  | { kind: 'paragraph'; children: Inline[] }
  | { kind: 'code-block'; text: string; language?: string }
  | { kind: 'quote'; blocks: Block[] }
  | { kind: 'list'; ordered: boolean; items: ListItem[] }

/** Reads message text (as stored: lines split on "\n") into blocks, with its `mentions`. */
export function parseMessage(text: string, mentions: readonly MentionOf[] = []): Block[] {
  return parseBlocks(text.split('\n'), true, mentionReader(mentions))
}

/**
 * The user ids of the `mentions` that `text` shows as mentions when rendered: named as a word of
 * their own, outside code and links.
 *
 * @example mentionsShownIn('`@Ana` @Ben', [ana, ben]) // Set { ben.userId }
 */
export function mentionsShownIn(text: string, mentions: readonly MentionOf[]): Set<string> {
  return new Set(mentionsInOrder(text, mentions).map((mention) => mention.userId))
}

/** Each `@Name` that `text` shows as a mention of one of `mentions`, in reading order. */
export function mentionsInOrder(
  text: string,
  mentions: readonly MentionOf[],
): { text: string; userId: string }[] {
  const found: { text: string; userId: string }[] = []
  if (mentions.length === 0) return found
  const visitInline = (nodes: readonly Inline[]) => {
    for (const node of nodes) {
      if (node.kind === 'mention') found.push({ text: node.text, userId: node.userId })
      else if ('children' in node) visitInline(node.children)
    }
  }
  const visitBlocks = (blocks: readonly Block[]) => {
    for (const block of blocks) {
      if (block.kind === 'paragraph') visitInline(block.children)
      else if (block.kind === 'quote') visitBlocks(block.blocks)
      else if (block.kind === 'list') for (const item of block.items) visitInline(item.children)
    }
  }
  visitBlocks(parseMessage(text, mentions))
  return found
}

/** The text a mention shows as in a message: `@Ana`. */
export const mentionText = (mention: Pick<MentionOf, 'name'>) => `@${mention.name}`

type MentionToken = { kind: 'mention'; text: string; userId: string }

/** Finds mentions as a message is read, left to right (see mentionReader). */
interface MentionReader {
  readonly empty: boolean
  /** The mention whose `@Name` stands at `index` of `line`, if one does. */
  at(line: string, index: number): MentionToken | undefined
}

/**
 * Who each `@Name` of a message names, in reading order. Two people may share a name: the first
 * `@Ana` of the text names the first Ana of `mentions`, the second `@Ana` the second, and any
 * further `@Ana` the last of them again (so a message that says `@Ana` twice about one Ana names
 * her twice). Where names start alike, the longest that fits wins ("@Ana Lopez" over "@Ana").
 * `@Name` counts only as a word of its own: not glued to a letter or digit before the `@` (an
 * e-mail address), and not followed by more of a name ("@Anastasia", "@Ana-Maria", "@Ana.b" are
 * not "@Ana"; "@Ana's", "@Ana." and "@Ana-" are).
 */
function mentionReader(mentions: readonly MentionOf[]): MentionReader {
  const byName = new Map<string, { text: string; userIds: string[]; seen: number }>()
  for (const mention of mentions) {
    const named = byName.get(mention.name)
    if (named) named.userIds.push(mention.userId)
    else
      byName.set(mention.name, { text: mentionText(mention), userIds: [mention.userId], seen: 0 })
  }
  const longestFirst = [...byName.values()].sort((a, b) => b.text.length - a.text.length)
  return {
    empty: longestFirst.length === 0,
    at(line, index) {
      if (isNameChar(line.charAt(index - 1))) return undefined
      for (const named of longestFirst) {
        if (!line.startsWith(named.text, index) || continuesName(line, index + named.text.length))
          continue
        const userId = named.userIds[Math.min(named.seen, named.userIds.length - 1)] as string
        named.seen += 1
        return { kind: 'mention', text: named.text, userId }
      }
      return undefined
    },
  }
}

// Letters, digits and the marks that join them (accents, ZWJ, variation selectors).
const isNameChar = (char: string) => /[\p{L}\p{N}\p{M}\u200C\u200D]/u.test(char)
// Whether the text at `index` carries on the name before it: a name character, or "-", "." or
// "_" joining more of one ("Ana-Maria", "ana_dev"), not ending a sentence or a marked span.
const continuesName = (line: string, index: number) => {
  const char = line.charAt(index)
  if (isNameChar(char)) return true
  return (char === '-' || char === '.' || char === '_') && isNameChar(line.charAt(index + 1))
}

const FENCE = '```'
// A fence line that opens a block whose first line follows it: "```" or "```ts".
const LANGUAGE_FENCE = /^```([\w+#.-]*)[ \t]*$/
const BULLET = /^[-*•][ \t]+(?=\S)/
const NUMBERED = /^(\d{1,9})\.[ \t]+(?=\S)/
const BLANK = /^[ \t]*$/

// Quotes hold any block but another quote, so the tree stays shallow whatever is typed.
function parseBlocks(lines: string[], quotesAllowed: boolean, mentions: MentionReader): Block[] {
  const closers = fenceClosers(lines)
  const blocks: Block[] = []
  let paragraph: string[] = []
  const endParagraph = () => {
    // Blank lines next to a block are the block's spacing, which the style gives it.
    let first = 0
    let last = paragraph.length
    while (first < last && BLANK.test(paragraph[first] ?? '')) first += 1
    while (last > first && BLANK.test(paragraph[last - 1] ?? '')) last -= 1
    if (first < last)
      blocks.push({
        kind: 'paragraph',
        children: parseLines(paragraph.slice(first, last), mentions),
      })
    paragraph = []
  }

  let index = 0
  while (index < lines.length) {
    const line = lines[index] ?? ''
    const fenced = codeBlockAt(lines, index, closers)
    if (fenced) {
      endParagraph()
      blocks.push(fenced.block)
      index = fenced.next
      continue
    }
    if (quotesAllowed && line.startsWith('>')) {
      const start = index
      while (index < lines.length && (lines[index] ?? '').startsWith('>')) index += 1
      const inner = parseBlocks(
        lines.slice(start, index).map((quoted) => quoted.replace(/^> ?/, '')),
        false,
        mentions,
      )
      if (inner.length > 0) {
        endParagraph()
        blocks.push({ kind: 'quote', blocks: inner })
      } else {
        // A quote of nothing (">" alone) is not a quote: it shows as typed.
        paragraph.push(...lines.slice(start, index))
      }
      continue
    }
    const item = listItemAt(line)
    if (item) {
      endParagraph()
      const items: ListItem[] = []
      for (
        let next: ListMarker | undefined = item;
        next?.ordered === item.ordered;
        next = listItemAt(lines[index] ?? '')
      ) {
        items.push(listItem(lines[index] ?? '', next, mentions))
        index += 1
      }
      blocks.push({ kind: 'list', ordered: item.ordered, items })
      continue
    }
    paragraph.push(line)
    index += 1
  }
  endParagraph()
  return blocks
}

// For each line, the first line at or after it that can close a fence (ends with ```), found in
// one pass so that many unclosed fences do not each search the rest of the message.
function fenceClosers(lines: string[]): (number | undefined)[] {
  const closers: (number | undefined)[] = new Array(lines.length)
  let next: number | undefined
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    if ((lines[index] ?? '').trimEnd().endsWith(FENCE)) next = index
    closers[index] = next
  }
  return closers
}

// A fenced block starting at `index`: "```code```" on one line, or "```" up to the next line that
// ends with "```". A word after the opening fence is the language when the closing fence has its
// own line (GitHub's way); otherwise it is the first line of code (Slack's "```first\nlast```").
// Unclosed: no block. Each check that can fail comes before any copying, so a message of many
// fences that never open a block costs one look at each.
function codeBlockAt(
  lines: string[],
  index: number,
  closers: (number | undefined)[],
): { block: Block; next: number } | undefined {
  const line = lines[index] ?? ''
  if (!line.startsWith(FENCE)) return undefined
  const opening = line.trimEnd()
  const inline = opening.slice(FENCE.length, -FENCE.length)
  // "```code```" on one line (not a line of backticks alone).
  if (opening.length > 2 * FENCE.length && opening.endsWith(FENCE) && /[^`]/.test(inline)) {
    return codeBlock([inline], undefined, index + 1)
  }
  const first = line.slice(FENCE.length)
  const word = LANGUAGE_FENCE.exec(opening)?.[1]
  if (word === undefined && first.includes(FENCE)) return undefined
  const closer = closers[index + 1]
  if (closer === undefined) return undefined
  const closing = (lines[closer] ?? '').trimEnd()
  const language = word !== '' && closing === FENCE ? word : undefined
  const content = language !== undefined || word === '' ? [] : [first]
  content.push(...lines.slice(index + 1, closer))
  const last = closing.slice(0, -FENCE.length)
  if (last !== '') content.push(last)
  return codeBlock(content, language, closer + 1)
}

function codeBlock(
  content: string[],
  language: string | undefined,
  next: number,
): { block: Block; next: number } | undefined {
  const text = content.join('\n')
  if (BLANK.test(text.replaceAll('\n', ''))) return undefined
  const block: Block = language
    ? { kind: 'code-block', text, language }
    : { kind: 'code-block', text }
  return { block, next }
}

interface ListMarker {
  ordered: boolean
  /** Where the item's text starts. */
  start: number
  number?: number
}

// A list item's marker at the start of a line: "- ", "* ", "• " or "1. ", then some text.
function listItemAt(line: string): ListMarker | undefined {
  const bullet = BULLET.exec(line)
  if (bullet) return { ordered: false, start: bullet[0].length }
  const numbered = NUMBERED.exec(line)
  if (numbered) return { ordered: true, start: numbered[0].length, number: Number(numbered[1]) }
  return undefined
}

function listItem(line: string, marker: ListMarker, mentions: MentionReader): ListItem {
  const children = parseInline(line.slice(marker.start), mentions)
  return marker.number === undefined ? { children } : { number: marker.number, children }
}

// The lines of a paragraph, each parsed on its own, with their line breaks kept as text.
function parseLines(lines: string[], mentions: MentionReader): Inline[] {
  const children: Inline[] = []
  lines.forEach((line, index) => {
    if (index > 0) appendText(children, '\n')
    for (const node of parseInline(line, mentions)) {
      if (node.kind === 'text') appendText(children, node.text)
      else children.push(node)
    }
  })
  return children
}

function appendText(nodes: Inline[], text: string) {
  const last = nodes.at(-1)
  if (last?.kind === 'text') last.text += text
  else nodes.push({ kind: 'text', text })
}

type Marker = '*' | '_' | '~'
const STYLE_OF: Record<Marker, InlineStyle> = { '*': 'strong', _: 'emphasis', '~': 'strike' }
// How many markers in a row make one delimiter: `*` or `**`, `_`, `~` or `~~`. Longer runs
// (`***`, a line of 4,000 `*`) are text.
const MAX_RUN: Record<Marker, number> = { '*': 2, _: 1, '~': 2 }

type Token =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'code'; text: string }
  | MentionToken
  | {
      kind: 'marker'
      marker: Marker
      text: string
      canOpen: boolean
      canClose: boolean
      pair?: 'open' | 'close'
    }

/**
 * What a reader sees of one line of a message, as plain text: block markers (`> `, `- `, `1. `, a
 * fence) and inline ones (`*`, `_`, `~`, backticks) left out.
 *
 * @example plainLine('> *ship* it on `Friday`') // 'ship it on Friday'
 */
export function plainLine(line: string): string {
  const inline = line.replace(/^(?:>+ ?|[-*•][ \t]+(?=\S)|\d{1,9}\.[ \t]+(?=\S)|```[\w+#.-]*)/, '')
  const text = (nodes: Inline[]): string =>
    nodes.map((node) => ('children' in node ? text(node.children) : node.text)).join('')
  return text(parseLine(inline.replace(/```$/, ''))).trim()
}

/** Parses one line's inline content, with the `mentions` of its message (see mentionReader). */
export function parseLine(line: string, mentions: readonly MentionOf[] = []): Inline[] {
  return parseInline(line, mentionReader(mentions))
}

function parseInline(line: string, mentions: MentionReader): Inline[] {
  const tokens = tokenize(line, mentions)
  pairMarkers(tokens)
  return buildTree(tokens)
}

const isMarker = (char: string): char is Marker => char === '*' || char === '_' || char === '~'
const isSpace = (char: string) => /\s/.test(char)
const isWordChar = (char: string) => /[\p{L}\p{N}]/u.test(char)

// Pass 1: text, code spans, links and marker runs, left to right. A code span or link, once
// found, is one token: nothing inside it is read again.
function tokenize(line: string, mentions: MentionReader): Token[] {
  const tokens: Token[] = []
  const codeEnds = codeSpanEnds(line)
  let text = ''
  const pushText = () => {
    if (text !== '') tokens.push({ kind: 'text', text })
    text = ''
  }
  let index = 0
  while (index < line.length) {
    const char = line.charAt(index)
    if (char === '`') {
      let end = index
      while (line.charAt(end) === '`') end += 1
      const close = codeEnds.get(index)
      if (close !== undefined) {
        pushText()
        tokens.push({ kind: 'code', text: line.slice(end, close) })
        index = close + (end - index)
      } else {
        text += line.slice(index, end)
        index = end
      }
      continue
    }
    if (char === '@' && !mentions.empty) {
      const mention = mentions.at(line, index)
      if (mention) {
        pushText()
        tokens.push(mention)
        index += mention.text.length
        continue
      }
    }
    if (char === 'h' || char === 'H') {
      const link = linkAt(line, index)
      if (link) {
        pushText()
        tokens.push(link.part)
        index = link.end
        continue
      }
    }
    if (isMarker(char)) {
      let end = index
      while (line.charAt(end) === char) end += 1
      const run = line.slice(index, end)
      if (run.length <= MAX_RUN[char]) {
        const before = line.charAt(index - 1)
        const after = line.charAt(end)
        pushText()
        tokens.push({
          kind: 'marker',
          marker: char,
          text: run,
          // Hugging the text: a space or the end on the outside, text on the inside.
          canOpen: after !== '' && !isSpace(after) && (before === '' || !isWordChar(before)),
          canClose: before !== '' && !isSpace(before) && (after === '' || !isWordChar(after)),
        })
      } else {
        text += run
      }
      index = end
      continue
    }
    text += char
    index += 1
  }
  pushText()
  return tokens
}

// Code spans: a run of backticks up to the next run of the same length, with something between.
// For each opening run's start, where its content ends. One pass from the right, remembering the
// next run of each length.
function codeSpanEnds(line: string): Map<number, number> {
  const runs: { start: number; length: number }[] = []
  for (let index = 0; index < line.length; ) {
    if (line.charAt(index) !== '`') {
      index += 1
      continue
    }
    let end = index
    while (line.charAt(end) === '`') end += 1
    runs.push({ start: index, length: end - index })
    index = end
  }
  const ends = new Map<number, number>()
  if (runs.length < 2) return ends
  // next[i]: the index (in runs) of the next run with the same length as runs[i].
  const next: (number | undefined)[] = new Array(runs.length)
  const seen = new Map<number, number>()
  for (let i = runs.length - 1; i >= 0; i -= 1) {
    const run = runs[i]
    if (!run) continue
    next[i] = seen.get(run.length)
    seen.set(run.length, i)
  }
  // Left to right: an opening run and its closer are taken together; runs inside are content.
  for (let i = 0; i < runs.length; ) {
    const run = runs[i]
    const closeIndex = next[i]
    const close = closeIndex === undefined ? undefined : runs[closeIndex]
    if (!run || closeIndex === undefined || !close) {
      i += 1
      continue
    }
    const contentStart = run.start + run.length
    if (line.slice(contentStart, close.start).trim() === '') {
      i += 1
      continue
    }
    ends.set(run.start, close.start)
    i = closeIndex + 1
  }
  return ends
}

// Pass 2: pairs openers with closers. One open delimiter per style at a time (bold inside bold
// means nothing), so nesting is at most three deep. A closer pairs with the open delimiter of its
// style if the runs match (`*` with `*`, `**` with `**`); delimiters opened after it and still
// open are left as text. Each token is pushed and popped at most once.
function pairMarkers(tokens: Token[]) {
  const stack: number[] = []
  const open: Record<InlineStyle, number | undefined> = {
    strong: undefined,
    emphasis: undefined,
    strike: undefined,
  }
  tokens.forEach((token, index) => {
    if (token.kind !== 'marker') return
    const style = STYLE_OF[token.marker]
    const opener = open[style]
    const openerToken = opener === undefined ? undefined : tokens[opener]
    if (
      token.canClose &&
      opener !== undefined &&
      openerToken?.kind === 'marker' &&
      openerToken.text === token.text
    ) {
      while (stack.length > 0) {
        const top = stack.pop() as number
        const topToken = tokens[top]
        if (topToken?.kind !== 'marker') continue
        open[STYLE_OF[topToken.marker]] = undefined
        if (top === opener) break
        topToken.pair = undefined
      }
      token.pair = 'close'
      return
    }
    if (token.canOpen && opener === undefined) {
      token.pair = 'open'
      open[style] = index
      stack.push(index)
    }
  })
  // Still open at the end of the line: text.
  for (const index of stack) {
    const token = tokens[index]
    if (token?.kind === 'marker') token.pair = undefined
  }
}

// Pass 3: the tree. Pairs are well nested (pass 2 drops whatever crosses), so a closer always
// ends the innermost open style.
function buildTree(tokens: Token[]): Inline[] {
  const root: Inline[] = []
  const frames: { style: InlineStyle; children: Inline[] }[] = []
  const current = () => frames.at(-1)?.children ?? root
  for (const token of tokens) {
    if (token.kind === 'marker') {
      if (token.pair === 'open') {
        frames.push({ style: STYLE_OF[token.marker], children: [] })
      } else if (token.pair === 'close') {
        const frame = frames.pop()
        if (frame) current().push({ kind: frame.style, children: frame.children })
      } else {
        appendText(current(), token.text)
      }
    } else if (token.kind === 'text') {
      appendText(current(), token.text)
    } else {
      current().push(token)
    }
  }
  return root
}

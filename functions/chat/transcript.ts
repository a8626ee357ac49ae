import {
  type RoomSettings,
  retentionSentence,
  type StoredMessage,
  type StoredPoll,
  type StoredQuestion,
} from '../_shared/protocol.ts'
import type { ReplyParent } from './message-store.ts'

const time = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`

/** HTML shows as text: `<img onerror=…>` in a message stays a string in any Markdown viewer. */
const escapeHtml = (text: string) =>
  text.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'))

/** Text that Markdown shows as written: names cannot become links, emphasis or HTML. */
const literal = (text: string) => escapeHtml(text).replace(/[\\`*_[\]#|]/g, (char) => `\\${char}`)

/**
 * A message's text as a quote, so that no line of it can pass for a header of another message.
 * Markdown also ends lines at a lone carriage return: every line break counts, whatever its form.
 */
const quoted = (body: string) =>
  body
    .split(/\r\n|\r|\n/)
    .map((line) => (line === '' ? '>' : `> ${escapeHtml(line)}`))
    .join('\n')

/**
 * The top of a Markdown transcript. The file links in it are signed and expire; it says when, and
 * how long the room keeps its chat (`retention`, a sentence of retentionSentence).
 */
export function transcriptHeader(
  room: string,
  exportedAt: Date,
  linksExpireAt: Date,
  retention?: string,
): string {
  return [
    `# Transcript of ${literal(room)}`,
    '',
    `Exported ${time(exportedAt.toISOString())}. File links work until ${time(linksExpireAt.toISOString())}.`,
    ...(retention === undefined ? [] : ['', retention]),
    '',
    '',
  ].join('\n')
}

/**
 * The start of a JSON transcript, up to its list of messages: the room, when it was exported and
 * its retention, as data (`retention`) and as the sentence the column shows (`retentionPolicy`).
 */
export function transcriptJsonStart(
  room: string,
  exportedAt: Date,
  settings: Pick<RoomSettings, 'retention' | 'defaultRetentionDays'>,
): string {
  const retention = settings.retention ?? { kind: 'default' }
  const head = JSON.stringify({
    room,
    exportedAt: exportedAt.toISOString(),
    retention,
    retentionPolicy: retentionSentence(retention, settings.defaultRetentionDays),
  })
  return `${head.slice(0, -1)},"messages":[`
}

/** How much of the first line of a message replied to a transcript shows. */
const REPLY_QUOTE_CHARS = 100

/**
 * The line before a reply: what it answers. Never inside the quote of the text, so no message can
 * forge one; the parent's name and words are literal.
 */
function replyLine(parent: ReplyParent | undefined): string {
  if (!parent) return '↩ Reply to a message that is no longer available'
  if (parent.deleted) return '↩ Reply to a deleted message'
  const chars = [...parent.firstLine]
  const line =
    chars.length > REPLY_QUOTE_CHARS
      ? `${chars.slice(0, REPLY_QUOTE_CHARS).join('').trimEnd()}…`
      : parent.firstLine
  return `↩ ${literal(parent.senderName)}: ${literal(line)}`
}

const votes = (count: number) => (count === 1 ? '1 vote' : `${count.toLocaleString('en')} votes`)

/**
 * A poll under its question (the message's text): each option with its count, as a list. An
 * option's text is literal, and a backslash keeps one that starts like a list item ("- ", "1. ")
 * from nesting.
 */
function pollLines(poll: StoredPoll): string[] {
  return [
    poll.closedAt ? 'Poll (closed):' : 'Poll:',
    ...poll.options.map(
      ({ text, votes: count }) =>
        `- ${literal(text)
          .replace(/^[-+]/, '\\$&')
          .replace(/^(\d+)([.)])/, '$1\\$2')}: ${votes(count)}`,
    ),
  ]
}

/**
 * One message of a Markdown transcript: sender and time, what it replies to (`parents` holds the
 * messages replied to, by id), the text quoted, a poll's options with their counts, its reactions
 * with their counts, files as links.
 */
export function transcriptEntry(
  message: StoredMessage,
  parents: ReadonlyMap<string, ReplyParent> = new Map(),
): string {
  const edited = message.editedAt ? ' (edited)' : ''
  // Only its sender and recipient ever get a transcript with a private message in it.
  const privately = message.to ? ` (private to ${literal(message.toName ?? message.to)})` : ''
  const lines = [
    `**${literal(message.sender.name)}** · ${time(message.createdAt)}${privately}${edited}`,
  ]
  if (message.replyTo) lines.push('', replyLine(parents.get(message.replyTo)))
  if (message.body) lines.push('', quoted(message.body))
  // Only emoji reach the database (one grapheme each, checked), so they need no escaping.
  const reactions = (message.reactions ?? []).map(({ emoji, count }) => `${emoji} ${count}`)
  if (message.poll) lines.push('', ...pollLines(message.poll))
  if (reactions.length > 0) lines.push('', `Reactions: ${reactions.join(' · ')}`)
  for (const file of message.attachments) {
    const name = literal(file.name)
    // The URL in <…>: its own parentheses (a download name) cannot end the link early.
    lines.push('', file.url ? `- [${name}](<${file.url}>)` : `- ${name} (no longer available)`)
  }
  lines.push('', '')
  return lines.join('\n')
}

/** The end of a Markdown transcript. */
export const transcriptFooter = (count: number) =>
  `${count === 1 ? '1 message' : `${count.toLocaleString('en')} messages`}.\n`

/** How a question stands, in a few words. */
const QUESTION_STATES: Record<StoredQuestion['state'], string> = {
  open: 'open',
  answering: 'being answered',
  answered: 'answered',
  dismissed: 'dismissed',
}

/**
 * The room's Q&A board at the end of a Markdown transcript, as its reader sees it (by votes, then
 * age): never the asker of an anonymous question. Each question and answer is a quote, so that no
 * line of it can pass for a heading. Nothing when the board is empty.
 */
export function transcriptQuestions(questions: readonly StoredQuestion[]): string {
  if (questions.length === 0) return ''
  const entries = questions.map((question) => {
    const votes = question.votes === 1 ? '1 vote' : `${question.votes} votes`
    const asker = question.askerName === undefined ? 'Anonymous' : literal(question.askerName)
    const state =
      question.review === 'approved'
        ? QUESTION_STATES[question.state]
        : question.review === 'pending'
          ? 'waiting for approval'
          : 'rejected'
    const answer =
      question.answer === undefined ? '' : `\n\nAnswered:\n\n${quoted(question.answer)}`
    return `### ${votes} · ${asker} · ${state}\n\n${quoted(question.body)}${answer}\n\n`
  })
  return `\n## Questions (${questions.length})\n\n${entries.join('')}`
}

/** The end of a JSON transcript: after its messages, the room's Q&A board as its reader sees it. */
export const transcriptJsonEnd = (questions: readonly StoredQuestion[]) =>
  `],"questions":${JSON.stringify(questions)}}`

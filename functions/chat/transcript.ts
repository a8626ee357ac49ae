import type { StoredMessage } from './protocol.ts'

const time = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`

/** Text that Markdown shows as written: names cannot become links or emphasis. */
const literal = (text: string) => text.replace(/[\\`*_[\]<>#|]/g, (char) => `\\${char}`)

/** A message's text as a quote, so that no line of it can pass for a header of another message. */
const quoted = (body: string) =>
  body
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n')

/**
 * A room's conversation as Markdown: one paragraph per message with sender and time, files as
 * links, edits marked. The links are signed and expire; the header says when.
 */
export function transcriptMarkdown(
  room: string,
  messages: readonly StoredMessage[],
  exportedAt: Date,
  linksExpireAt: Date,
): string {
  const lines = [
    `# Transcript of ${room}`,
    '',
    `Exported ${time(exportedAt.toISOString())}. ${messages.length} messages.` +
      (messages.some((message) => message.attachments.length > 0)
        ? ` File links work until ${time(linksExpireAt.toISOString())}.`
        : ''),
    '',
  ]
  for (const message of messages) {
    const edited = message.editedAt ? ' (edited)' : ''
    lines.push(`**${literal(message.sender.name)}** · ${time(message.createdAt)}${edited}`)
    if (message.body) lines.push('', quoted(message.body))
    for (const file of message.attachments) {
      const name = literal(file.name)
      // The URL in <…>: its own parentheses (a download name) cannot end the link early.
      lines.push('', file.url ? `- [${name}](<${file.url}>)` : `- ${name} (no longer available)`)
    }
    lines.push('')
  }
  return `${lines.join('\n')}\n`
}

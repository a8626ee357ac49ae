import type { StoredMessage } from './protocol.ts'

const time = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`

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
    lines.push(`**${message.sender.name}** · ${time(message.createdAt)}${edited}`)
    if (message.body) lines.push('', message.body)
    for (const file of message.attachments) {
      lines.push(
        '',
        file.url ? `- [${file.name}](${file.url})` : `- ${file.name} (no longer available)`,
      )
    }
    lines.push('')
  }
  return `${lines.join('\n')}\n`
}

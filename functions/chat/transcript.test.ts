import { describe, expect, it } from 'vitest'
import type { StoredMessage } from '../_shared/protocol.ts'
import type { ReplyParent } from './message-store.ts'
import {
  transcriptEntry,
  transcriptFooter,
  transcriptHeader,
  transcriptJsonStart,
} from './transcript.ts'

/** A whole Markdown transcript at once, from the pieces the route streams page by page. */
function transcriptMarkdown(
  room: string,
  messages: readonly StoredMessage[],
  exportedAt: Date,
  linksExpireAt: Date,
  parents: ReadonlyMap<string, ReplyParent> = new Map(),
): string {
  return (
    transcriptHeader(room, exportedAt, linksExpireAt) +
    messages.map((message) => transcriptEntry(message, parents)).join('') +
    transcriptFooter(messages.length)
  )
}

const message = (fields: Partial<StoredMessage>): StoredMessage => ({
  id: crypto.randomUUID(),
  room: 'standup',
  sender: { id: 'u1', name: 'Ana' },
  body: 'hello',
  attachments: [],
  createdAt: '2030-01-01T10:00:00.000Z',
  seq: 1,
  ...fields,
})

const render = (messages: StoredMessage[]) =>
  transcriptMarkdown(
    'standup',
    messages,
    new Date('2030-01-02T00:00:00Z'),
    new Date('2030-01-02T01:00:00Z'),
  )

describe('transcriptMarkdown', () => {
  it('quotes each message under its sender and time', () => {
    expect(
      render([message({ body: 'line one\n\nline two', editedAt: '2030-01-01T10:05:00Z' })]),
    ).toContain('**Ana** · 2030-01-01 10:00 UTC (edited)\n\n> line one\n>\n> line two\n')
  })

  it('lists reactions under the text, each emoji with its count, and nothing when none', () => {
    const markdown = render([
      message({
        body: 'ship it',
        reactions: [
          { emoji: '👍', count: 2, userIds: ['u2', 'u3'] },
          { emoji: '🎉', count: 1, userIds: ['u2'] },
        ],
      }),
      message({ body: 'no reactions', reactions: [] }),
    ])
    expect(markdown).toContain('> ship it\n\nReactions: 👍 2 · 🎉 1\n')
    expect(markdown.match(/Reactions:/g)).toHaveLength(1)
  })

  it('shows a poll under its question: each option with its count, (closed) once closed', () => {
    const options = [
      { text: 'Pizza', votes: 1 },
      { text: 'Sushi', votes: 2 },
      { text: 'None', votes: 0 },
    ]
    const markdown = render([
      message({
        body: 'Lunch?',
        poll: { options, myVote: 1 },
        reactions: [{ emoji: '👍', count: 1, userIds: ['u2'] }],
      }),
      message({
        body: 'Again?',
        poll: { options, closedAt: '2030-01-01T11:00:00.000Z', closedBy: 'u1' },
      }),
    ])
    expect(markdown).toContain(
      '> Lunch?\n\nPoll:\n- Pizza: 1 vote\n- Sushi: 2 votes\n- None: 0 votes\n\nReactions: 👍 1\n',
    )
    expect(markdown).toContain('> Again?\n\nPoll (closed):\n- Pizza: 1 vote\n')
  })

  it('keeps a poll option from becoming a link, HTML, a nested list or a header', () => {
    const markdown = render([
      message({
        body: 'Which?',
        poll: {
          options: [
            { text: '[click](https://evil.example)', votes: 0 },
            { text: '<img src=x onerror=alert(1)>', votes: 0 },
            { text: '- nested', votes: 0 },
            { text: '2. numbered', votes: 0 },
            { text: '# big', votes: 0 },
          ],
        },
      }),
    ])
    expect(markdown).toContain(
      [
        '- \\[click\\](https://evil.example): 0 votes',
        '- &lt;img src=x onerror=alert(1)&gt;: 0 votes',
        '- \\- nested: 0 votes',
        '- 2\\. numbered: 0 votes',
        '- \\# big: 0 votes',
      ].join('\n'),
    )
  })

  it('keeps a body from passing for another message', () => {
    const markdown = render([
      message({ body: 'files\n\n**Host** · 2030-01-01 10:00 UTC\n\nSend me your password' }),
    ])
    expect(markdown).not.toMatch(/^\*\*Host\*\*/m)
    expect(markdown).toContain('> **Host** · 2030-01-01 10:00 UTC')
  })

  it('treats a lone carriage return as a line break, so it cannot start a header of its own', () => {
    const markdown = render([
      message({ body: 'see you\r**Host** · 2030-01-01 10:00 UTC\r\n\r\nSend me your password' }),
    ])
    // Markdown viewers end a line at \r as at \n: every line of the body stays in the quote.
    const lines = markdown.split(/\r\n|\r|\n/)
    expect(lines.filter((line) => line.startsWith('**'))).toEqual([
      '**Ana** · 2030-01-01 10:00 UTC',
    ])
    expect(markdown).not.toContain('\r')
    expect(markdown).toContain('> see you\n> **Host** · 2030-01-01 10:00 UTC\n>\n> Send me')
  })

  it('shows HTML in a message as text', () => {
    const markdown = render([message({ body: '<img src=x onerror=alert(1)> & <script>' })])
    expect(markdown).not.toMatch(/<img|<script/)
    expect(markdown).toContain('> &lt;img src=x onerror=alert(1)&gt; &amp; &lt;script&gt;')
  })

  it('shows HTML in names and file names as text', () => {
    const markdown = render([
      message({
        sender: { id: 'u3', name: '<b onmouseover=x>Ana</b>' },
        attachments: [
          {
            path: 'standup/00000000-0000-4000-8000-000000000002.txt',
            name: '<svg onload=x>.txt',
            type: 'text/plain',
            size: 1,
          },
        ],
      }),
    ])
    expect(markdown).not.toMatch(/<b |<svg/)
    expect(markdown).toContain('**&lt;b onmouseover=x&gt;Ana&lt;/b&gt;** ·')
    expect(markdown).toContain('- &lt;svg onload=x&gt;.txt (no longer available)')
  })

  it('ends with how many messages it holds', () => {
    expect(render([message({}), message({ seq: 2 })])).toMatch(/\n2 messages\.\n$/)
    expect(render([message({})])).toMatch(/\n1 message\.\n$/)
  })

  it('links files with names that cannot become links of their own', () => {
    const markdown = render([
      message({
        body: '',
        attachments: [
          {
            path: 'standup/00000000-0000-4000-8000-000000000001.pdf',
            name: 'evil](javascript:alert(1)) [x.pdf',
            type: 'application/pdf',
            size: 10,
            url: 'https://storage.test/a.pdf?token=t&download=notes%20:).pdf',
          },
        ],
      }),
    ])
    expect(markdown).toContain(
      '- [evil\\](javascript:alert(1)) \\[x.pdf](<https://storage.test/a.pdf?token=t&download=notes%20:).pdf>)',
    )
  })

  it('puts a quote line before a reply: who said it and their first line, literal', () => {
    const parentId = crypto.randomUUID()
    const parents = new Map([
      [
        parentId,
        {
          id: parentId,
          deleted: false as const,
          senderName: '[Ben](x)',
          firstLine: `**urgent** <img src=x> ${'long '.repeat(30)}`,
        },
      ],
    ])
    const markdown = transcriptMarkdown(
      'standup',
      [message({ body: 'on it', replyTo: parentId })],
      new Date('2030-01-02T00:00:00Z'),
      new Date('2030-01-02T01:00:00Z'),
      parents,
    )
    const line = markdown.split('\n').find((text) => text.startsWith('↩'))
    // 100 characters of the line, then an ellipsis; each Markdown character escaped.
    const shown = `**urgent** <img src=x> ${'long '.repeat(30)}`.slice(0, 100)
    expect(line).toBe(
      `↩ \\[Ben\\](x): ${shown.replaceAll('*', '\\*').replace('<', '&lt;').replace('>', '&gt;')}…`,
    )
    expect(markdown).toContain(`${line}\n\n> on it\n`)
  })

  it('says when the message replied to is deleted or gone', () => {
    const deletedId = crypto.randomUUID()
    const markdown = transcriptMarkdown(
      'standup',
      [
        message({ body: 'a', replyTo: deletedId }),
        message({ body: 'b', replyTo: crypto.randomUUID(), seq: 2 }),
        message({ body: 'c', seq: 3 }),
      ],
      new Date('2030-01-02T00:00:00Z'),
      new Date('2030-01-02T01:00:00Z'),
      new Map([[deletedId, { id: deletedId, deleted: true as const }]]),
    )
    expect(markdown.split('\n').filter((line) => line.startsWith('↩'))).toEqual([
      '↩ Reply to a deleted message',
      '↩ Reply to a message that is no longer available',
    ])
  })

  it('escapes Markdown in sender names', () => {
    expect(render([message({ sender: { id: 'u2', name: '*Boss* [admin]' } })])).toContain(
      '**\\*Boss\\* \\[admin\\]** ·',
    )
  })
})

describe("a transcript says the room's retention", () => {
  const exportedAt = new Date('2030-01-02T00:00:00Z')

  it('in the Markdown header, as the sentence the column shows', () => {
    const header = transcriptHeader(
      'standup',
      exportedAt,
      new Date('2030-01-02T01:00:00Z'),
      'Chat in this room is kept until 15 minutes after the call ends.',
    )
    expect(header.split('\n').slice(0, 5)).toEqual([
      '# Transcript of standup',
      '',
      'Exported 2030-01-02 00:00 UTC. File links work until 2030-01-02 01:00 UTC.',
      '',
      'Chat in this room is kept until 15 minutes after the call ends.',
    ])
  })

  it('in the JSON, as data and as the sentence, before the messages', () => {
    for (const [settings, policy] of [
      [{ retention: { kind: 'days', days: 30 } }, 'Chat in this room is kept for 30 days.'],
      [
        { retention: { kind: 'default' }, defaultRetentionDays: 30 },
        "Chat in this room is kept for the project's default of 30 days.",
      ],
      [{}, "Chat in this room is kept for the project's default period."],
    ] as const) {
      const json = JSON.parse(`${transcriptJsonStart('standup', exportedAt, settings)}]}`)
      expect(json).toEqual({
        room: 'standup',
        exportedAt: '2030-01-02T00:00:00.000Z',
        retention: settings.retention ?? { kind: 'default' },
        retentionPolicy: policy,
        messages: [],
      })
    }
  })
})

import { type Block, type Inline, parseMessage } from '@shared/message-format.ts'
import type { Mention } from '@shared/protocol.ts'
import { type ReactNode, useMemo } from 'react'

/**
 * A message's text with its formatting (`core/format.ts`) as elements screen readers know:
 * strong, em, del, code, pre, blockquote, ul/ol/li, and links that open in a new tab. Everything is
 * a React text node or element, so markup in a message shows as typed. A message without
 * formatting renders as its text alone, as before. Each `@Name` of a person it mentions is
 * highlighted.
 */
export function MessageBody({ text, mentions }: { text: string; mentions?: readonly Mention[] }) {
  const blocks = useMemo(() => parseMessage(text, mentions), [text, mentions])
  return (
    <div className="bc-message-body" data-testid="message-body">
      {blocks.map(renderBlock)}
    </div>
  )
}

// Keys are positions: the parts of a message never move within it.
function renderBlock(block: Block, key: number): ReactNode {
  switch (block.kind) {
    case 'paragraph':
      // Text directly in the body (no <p>): "edited" can follow the last line.
      return <InlineNodes key={key} nodes={block.children} />
    case 'code-block':
      return (
        <pre key={key} className="bc-message-code-block" data-language={block.language}>
          <code>{block.text}</code>
        </pre>
      )
    case 'quote':
      return <blockquote key={key}>{block.blocks.map(renderBlock)}</blockquote>
    case 'list': {
      const items = block.items.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: items never move within a message.
        <li key={index} value={item.number}>
          <InlineNodes nodes={item.children} />
        </li>
      ))
      return block.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>
    }
  }
}

function InlineNodes({ nodes }: { nodes: Inline[] }) {
  return nodes.map(renderInline)
}

function renderInline(node: Inline, key: number): ReactNode {
  switch (node.kind) {
    case 'text':
      return node.text
    case 'link':
      return (
        <a key={key} href={node.href} target="_blank" rel="noopener noreferrer">
          {node.text}
        </a>
      )
    case 'code':
      return <code key={key}>{node.text}</code>
    case 'mention':
      return (
        <span key={key} className="bc-mention" data-user-id={node.userId}>
          {node.text}
        </span>
      )
    case 'strong':
      return <strong key={key}>{node.children.map(renderInline)}</strong>
    case 'emphasis':
      return <em key={key}>{node.children.map(renderInline)}</em>
    case 'strike':
      return <del key={key}>{node.children.map(renderInline)}</del>
  }
}

import { type Attachment, MEDIA_TYPES, type Mention } from '@shared/protocol.ts'
import {
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react'
import type { Result } from '../engine/result.ts'
import type { ReadableStore } from '../engine/store.ts'
import type { MentionCandidate } from '../features/mentions/mention-suggestions.ts'
import { useMentionPicker } from '../features/mentions/use-mention-picker.ts'
import { type Recipient, SendTo } from '../features/private-messages/send-to.tsx'
import { ReplyBanner } from '../features/replies/reply-banner.tsx'
import type { ReplyDraft, ReplyDraftSnapshot } from '../features/replies/reply-draft.ts'
import type { RoomRules } from '../features/room-rules/room-rules.ts'
import { useSendRefusal } from '../features/room-rules/use-send-refusal.ts'
import { formatBytes } from '../features/uploads/upload-file.ts'
import type { Attachments } from '../features/uploads/use-attachments.ts'
import { Avatar } from './avatar.tsx'
import { ComposerIconButton } from './composer-icon-button.tsx'
import { EmojiButton } from './emoji-button.tsx'
import { MESSAGE_SHORTCUT } from './use-message-shortcut.ts'
import { useStore } from './use-store.ts'

const ACCEPT = Object.keys(MEDIA_TYPES).join(',')
const NO_REPLY: ReadableStore<ReplyDraftSnapshot> = {
  subscribe: () => () => {},
  getSnapshot: () => ({ started: 0 }),
}

/**
 * The message field and its files: Enter sends, Shift+Enter adds a line, Up arrow in the empty
 * field edits one's last message. One row, as in the chats people know: the field (one line,
 * growing with its text), then "Attach file", "Insert emoji" and Send. Files come from the Attach
 * button, a paste, or a drop on the chat column; the message waits for their uploads. "Send to"
 * shows above the row once someone else is in the call. While a reply is drafted, a banner above the
 * field says to whom (Esc cancels it), and the field takes focus when a reply starts. Typing `@`
 * opens a list of people to mention (↑/↓ to choose, Enter or Tab to pick, Esc to close); the
 * people picked go with the message while its text still names them.
 */
export function Composer({
  onSend,
  onInput,
  attachments,
  onEditLast,
  reply,
  mentionCandidates,
  rules,
  recipients = [],
  tools,
}: {
  onSend: (
    text: string,
    attachments: readonly Attachment[],
    previews: readonly (string | undefined)[],
    mentions: readonly Mention[],
    to?: { id: string; name: string },
  ) => Result
  /** The text changed; `to`: the recipient's user id while a private message is written. */
  onInput: (text: string, to?: string) => void
  /** The files to send (from useAttachments, which the chat column holds for drops). */
  attachments: Attachments
  /** Edits this user's most recent message (focus comes back to `field`); false if none. */
  onEditLast?: (field: HTMLTextAreaElement) => boolean
  /** The reply being drafted (ChatClient.replyDraft): the next message answers its message. */
  reply?: ReplyDraft
  /** The people to suggest for `@query` (ChatClient.mentionCandidates); no list without it. */
  mentionCandidates?: (query: string) => MentionCandidate[]
  /**
   * The room's settings (ChatClient.rules): when they refuse this user's messages the field is
   * disabled with the reason; under slow mode Send waits, counting down.
   */
  rules?: RoomRules
  /** Whom a private message can go to (the "Send to" choice); none: no choice offered. */
  recipients?: readonly Recipient[]
  /** The features' buttons for the row (COMPOSER_TOOLS), given whether sending is refused. */
  tools?: (disabled: boolean) => ReactNode
}) {
  const { refused, wait, notice, privateAllowed } = useSendRefusal(rules)
  const [toId, setToId] = useState('')
  // Someone chosen who has left the call, or private messages turned off: back to everyone.
  const recipient = privateAllowed ? recipients.find((person) => person.id === toId) : undefined
  const [text, setText] = useState('')
  const mentions = useMentionPicker(mentionCandidates)
  const [error, setError] = useState<string>()
  const errorId = useId()
  const fileInput = useRef<HTMLInputElement>(null)
  const field = useRef<HTMLTextAreaElement>(null)
  // Where the caret goes once an inserted emoji is in the field's text.
  const caret = useRef<number>(undefined)
  const { files, ready, busy } = attachments
  const { target: replyTarget, started: repliesStarted } = useStore(reply ?? NO_REPLY)

  // After the render that put an emoji in (any render: the ref says whether one is waiting).
  useLayoutEffect(() => {
    if (caret.current === undefined) return
    field.current?.setSelectionRange(caret.current, caret.current)
    caret.current = undefined
  })

  // Reply (in a message's menu) means "now write the answer": the field takes focus.
  useEffect(() => {
    if (repliesStarted > 0) field.current?.focus()
  }, [repliesStarted])

  function send(event?: FormEvent) {
    event?.preventDefault()
    if (busy || refused || wait || (text.trim() === '' && ready.length === 0)) return
    const result = onSend(
      text,
      ready.map((file) => file.attachment),
      ready.map((file) => file.preview),
      mentions.picked,
      recipient && { id: recipient.id, name: recipient.name },
    )
    if (result.ok) {
      setText('')
      mentions.reset()
      setError(undefined)
      attachments.clear()
    } else setError(result.error)
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (mentions.keyDown(event, text, setText)) return
    if (event.key === 'Escape' && replyTarget && !event.nativeEvent.isComposing) {
      event.preventDefault()
      reply?.cancel()
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      send()
    } else if (
      event.key === 'ArrowUp' &&
      text === '' &&
      !(event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) &&
      !event.nativeEvent.isComposing &&
      onEditLast?.(event.currentTarget)
    ) {
      event.preventDefault()
    }
  }

  // Where the caret was (a field keeps its selection while the picker has focus), replacing what
  // was selected, as typing would.
  function insertEmoji(emoji: string) {
    const start = field.current?.selectionStart ?? text.length
    const end = field.current?.selectionEnd ?? text.length
    const next = text.slice(0, start) + emoji + text.slice(end)
    setText(next)
    onInput(next, recipient?.id)
    caret.current = start + emoji.length
    field.current?.focus()
  }

  // Pasted files are attached; a paste that also carries text (a spreadsheet's cells come with
  // a picture of them) stays text.
  function paste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const pasted = [...event.clipboardData.files]
    if (pasted.length === 0 || event.clipboardData.types.includes('text/plain')) return
    event.preventDefault()
    attachments.add(pasted)
  }

  return (
    <form className="bc-composer" onSubmit={send}>
      {files.length > 0 && (
        <ul className="bc-pending-files" aria-label="Files to send">
          {files.map((file) => (
            <li key={file.id} className="bc-pending-file" data-state={file.state}>
              {file.preview && file.type.startsWith('image/') ? (
                <img className="bc-pending-thumb" src={file.preview} alt="" />
              ) : (
                <span className="bc-pending-thumb" aria-hidden="true">
                  {/\.(\w{1,4})$/.exec(file.name)?.[1]?.toUpperCase() ?? 'FILE'}
                </span>
              )}
              <span className="bc-pending-name">{file.name}</span>
              <span className="bc-pending-size">{formatBytes(file.size)}</span>
              {file.state === 'uploading' && (
                <span className="bc-pending-progress">
                  <progress max={1} value={file.progress} aria-label={`Uploading ${file.name}`} />
                  <span>{Math.floor(file.progress * 100)}%</span>
                </span>
              )}
              {file.state === 'done' && <span className="bc-pending-ready">Uploaded</span>}
              <button
                type="button"
                className="bc-pending-remove"
                aria-label={`Remove ${file.name}`}
                title={`Remove ${file.name}`}
                onClick={() => attachments.remove(file.id)}
              >
                ×
              </button>
              {file.error && (
                <span role="alert" className="bc-error bc-pending-error">
                  {file.error}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {replyTarget && (
        <ReplyBanner
          id={`${errorId}-reply`}
          target={replyTarget}
          onCancel={() => {
            reply?.cancel()
            field.current?.focus()
          }}
        />
      )}
      {/* The countdown changes every second: screen readers hear it once, from the status. */}
      <p id={`${errorId}-rule`} className="bc-composer-rule" aria-hidden="true">
        {refused ?? wait ?? notice}
      </p>
      <p className="bc-visually-hidden" role="status">
        {refused ?? notice}
      </p>
      {/* Only with someone to choose: alone in the call, everything goes to everyone. */}
      {privateAllowed && (recipients.length > 0 || replyTarget?.privately) && (
        <SendTo
          recipients={recipients}
          value={recipient?.id ?? ''}
          onChange={setToId}
          fixed={replyTarget?.privately}
        />
      )}
      <label htmlFor={`${errorId}-message`} className="bc-visually-hidden">
        Message
      </label>
      <div className="bc-composer-row">
        <textarea
          ref={field}
          id={`${errorId}-message`}
          value={text}
          rows={1}
          placeholder={recipient ? `Message ${recipient.label} privately` : 'Message'}
          disabled={refused !== undefined}
          aria-describedby={
            [
              (refused || wait || notice) && `${errorId}-rule`,
              replyTarget && `${errorId}-reply`,
              error && errorId,
              `${errorId}-hint`,
            ]
              .filter(Boolean)
              .join(' ') || undefined
          }
          aria-invalid={error ? true : undefined}
          aria-keyshortcuts={MESSAGE_SHORTCUT}
          aria-autocomplete="list"
          aria-controls={mentions.open ? `${errorId}-mentions` : undefined}
          aria-activedescendant={
            mentions.open ? `${errorId}-mention-${mentions.open.active}` : undefined
          }
          onChange={(event) => {
            setText(event.target.value)
            onInput(event.target.value, recipient?.id)
            mentions.typed(event.target.value, event.target.selectionStart)
          }}
          onBlur={mentions.close}
          onKeyDown={keyDown}
          onPaste={paste}
        />
        {tools?.(refused !== undefined)}
        <ComposerIconButton label="Attach file" onClick={() => fileInput.current?.click()}>
          <path d="m21.4 11.1-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5" />
        </ComposerIconButton>
        <EmojiButton
          onPick={insertEmoji}
          onEscape={() => field.current?.focus()}
          disabled={refused !== undefined}
        />
        <button
          type="submit"
          disabled={busy || refused !== undefined || wait !== undefined}
          title={busy ? 'Sends once the files are uploaded' : (refused ?? wait)}
        >
          Send
        </button>
      </div>
      <span id={`${errorId}-hint`} className="bc-visually-hidden">
        {MESSAGE_SHORTCUT} comes back to this field from anywhere in the call. Type @ to mention
        someone.
      </span>
      {mentions.open && (
        <div
          id={`${errorId}-mentions`}
          role="listbox"
          aria-label="People to mention"
          className="bc-mention-suggestions"
        >
          {mentions.open.candidates.map((candidate, index) => (
            // Chosen with the keyboard in the Message field (aria-activedescendant), or clicked.
            // biome-ignore lint/a11y/useKeyWithClickEvents: the field takes the keys (see above).
            <div
              key={candidate.userId}
              id={`${errorId}-mention-${index}`}
              role="option"
              aria-selected={index === mentions.open?.active}
              // Focus stays in the field, which names the active option (aria-activedescendant).
              tabIndex={-1}
              // Keeps focus in the field.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => mentions.pick(candidate, text, setText, field.current)}
            >
              <Avatar user={{ id: candidate.userId, name: candidate.name }} />
              <span className="bc-mention-name">{candidate.label}</span>
              {!candidate.present && <span className="bc-mention-away">not in the call</span>}
            </div>
          ))}
        </div>
      )}
      <p className="bc-visually-hidden" aria-live="polite">
        {mentions.open &&
          `${mentions.open.candidates.length === 1 ? '1 person' : `${mentions.open.candidates.length} people`} to mention. Up and down arrows to choose, Enter to pick.`}
      </p>
      <input
        ref={fileInput}
        type="file"
        multiple
        accept={ACCEPT}
        hidden
        onChange={(event) => {
          attachments.add([...(event.target.files ?? [])])
          // The same file can be chosen again (after removing it, say).
          event.target.value = ''
        }}
      />
      {error && (
        <p id={errorId} role="alert" className="bc-error">
          {error}
        </p>
      )}
    </form>
  )
}

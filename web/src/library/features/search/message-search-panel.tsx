import { useId } from 'react'
import { useStore } from '../../react/use-store.ts'
import { highlightWords, type MessageSearch } from './message-search.ts'

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})

/**
 * The column's "Search messages" field and its results: sender, time and text with the matched
 * words marked, newest first. Choosing a result goes to the message in the conversation (loading
 * the history around it). Esc in the field clears the search.
 */
export function MessageSearchPanel({
  search,
  onGoTo,
}: {
  search: MessageSearch
  /** Goes to a message in the conversation and highlights it. */
  onGoTo: (id: string) => void
}) {
  const state = useStore(search)
  const id = useId()
  const open = state.words.length > 0 || state.status !== 'idle'
  const status =
    state.status === 'failed'
      ? `Search failed: ${state.error}`
      : state.status === 'searching' && state.results.length === 0
        ? 'Searching…'
        : state.status === 'done' && state.results.length === 0
          ? 'No messages found.'
          : state.status === 'done'
            ? `${state.results.length}${state.hasMore ? '+' : ''} ${state.results.length === 1 ? 'message' : 'messages'} found.`
            : ''

  return (
    <search className="bc-message-search">
      <label htmlFor={`${id}-query`} className="bc-visually-hidden">
        Search messages
      </label>
      <input
        id={`${id}-query`}
        type="search"
        placeholder="Search messages"
        value={state.query}
        maxLength={200}
        onChange={(event) => search.setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && state.query !== '') {
            event.preventDefault()
            search.clear()
          }
        }}
      />
      <p className="bc-search-status" role="status">
        {status}
      </p>
      {open && state.results.length > 0 && (
        <ul className="bc-search-results" aria-label="Search results">
          {state.results.map((message) => (
            <li key={message.id}>
              <button type="button" onClick={() => onGoTo(message.id)}>
                <span className="bc-search-result-sender">{message.sender.name}</span>{' '}
                <time dateTime={message.createdAt}>
                  {timeFormat.format(new Date(message.createdAt))}
                </time>
                <span className="bc-search-result-text">
                  {highlightWords(message.body, state.words).map((part, index) =>
                    part.match ? (
                      // biome-ignore lint/suspicious/noArrayIndexKey: parts never move.
                      <mark key={index}>{part.text}</mark>
                    ) : (
                      part.text
                    ),
                  )}
                </span>
              </button>
            </li>
          ))}
          {state.hasMore && (
            <li>
              <button
                type="button"
                className="bc-search-more"
                disabled={state.status === 'searching'}
                onClick={() => void search.more()}
              >
                More results
              </button>
            </li>
          )}
        </ul>
      )}
    </search>
  )
}

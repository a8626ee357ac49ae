import { useState } from 'react'
import type { TimelineMessage } from '../../engine/timeline.ts'
import type { Polls } from './polls.ts'

const votes = (count: number) => (count === 1 ? '1 vote' : `${count} votes`)

/**
 * A poll under its question: one button per option with its votes and share (pressed: this
 * reader's vote; pressed again takes it back), the total, and "Close poll" for its creator and
 * owners. A closed poll keeps its counts and takes no votes.
 */
export function PollView({ message, polls }: { message: TimelineMessage; polls: Polls }) {
  const [error, setError] = useState<string>()
  const poll = message.poll
  if (!poll) return null
  const total = poll.options.reduce((sum, option) => sum + option.votes, 0)
  const canVote = polls.canVote(message)
  const closed = poll.closedAt !== undefined

  async function choose(index: number) {
    setError(undefined)
    const result =
      poll?.myVote === index
        ? await polls.takeBack(message.id)
        : await polls.vote(message.id, index)
    if (!result.ok) setError(`Could not vote: ${result.error}`)
  }

  async function close() {
    setError(undefined)
    const result = await polls.close(message.id)
    if (!result.ok) setError(`Could not close the poll: ${result.error}`)
  }

  return (
    <div className="bc-poll">
      <fieldset className="bc-poll-options" aria-label={`Poll: ${message.body}`}>
        {poll.options.map((option, index) => {
          const share = total === 0 ? 0 : Math.round((option.votes / total) * 100)
          return (
            <button
              key={option.text}
              type="button"
              className="bc-poll-option"
              aria-pressed={poll.myVote === index}
              disabled={!canVote}
              onClick={() => void choose(index)}
            >
              <span className="bc-poll-option-bar" style={{ width: `${share}%` }} />
              <span className="bc-poll-option-text">{option.text}</span>
              <span className="bc-poll-option-count">
                {votes(option.votes)}
                {total > 0 && ` · ${share}%`}
              </span>
            </button>
          )
        })}
      </fieldset>
      <p className="bc-poll-summary">
        {closed ? `Poll closed · ${votes(total)}` : `${votes(total)} · one vote each`}
      </p>
      {polls.canClose(message) && (
        <button type="button" className="bc-poll-close" onClick={() => void close()}>
          Close poll
        </button>
      )}
      {error && (
        <p role="alert" className="bc-error bc-message-error">
          {error}
        </p>
      )}
    </div>
  )
}

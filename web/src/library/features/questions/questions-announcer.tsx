import { useStore } from '../../react/use-store.ts'
import type { QuestionBoard } from './question-board.ts'

/**
 * Tells screen readers of the board's news, whichever view is shown: "New question: …" and
 * "Now answering: …". Mounted once; what the board knew before is no news.
 */
export function QuestionsAnnouncer({ board }: { board: QuestionBoard }) {
  const { text, serial } = useStore(board.news)
  return (
    <div className="bc-visually-hidden" aria-live="polite" aria-atomic="true">
      {/* A new node each time: the same words twice (two questions alike) are news twice. */}
      <span key={serial}>{text}</span>
    </div>
  )
}

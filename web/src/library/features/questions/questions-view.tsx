import { useStore } from '../../react/use-store.ts'
import type { RoomRules } from '../room-rules/engine.ts'
import { AskForm } from './ask-form.tsx'
import { askRefusal } from './ask-rules.ts'
import type { QuestionBoard } from './question-board.ts'
import { QuestionList } from './question-list.tsx'

/**
 * The column's Questions view: the form to ask (or why this user may not ask now) above the
 * board, under the room's Q&A settings.
 */
export function QuestionsView({ board, rules }: { board: QuestionBoard; rules: RoomRules }) {
  const { settings, owner } = useStore(rules)
  const refusal = askRefusal(settings, owner)
  const questions = settings.questions

  return (
    <div className="bc-questions">
      {refusal ? (
        <p className="bc-ask-note">{refusal}</p>
      ) : (
        <AskForm
          board={board}
          anonymousAllowed={questions?.anonymous === true}
          needApproval={questions?.needApproval === true && !owner}
        />
      )}
      <QuestionList board={board} owner={owner} />
    </div>
  )
}

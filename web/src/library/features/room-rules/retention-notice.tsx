import { retentionSentence } from '@shared/protocol.ts'
import { useStore } from '../../react/use-store.ts'
import type { RoomRules } from './room-rules.ts'

/**
 * How long the room keeps its chat, for everyone in it ("Chat in this room is kept for 30
 * days."): text in the column, so screen readers read it with the rest; it follows the owners'
 * changes as the other settings do.
 */
export function RetentionNotice({ rules }: { rules: RoomRules }) {
  const { settings } = useStore(rules)
  return (
    <p className="bc-retention">
      {retentionSentence(settings.retention ?? { kind: 'default' }, settings.defaultRetentionDays)}
    </p>
  )
}

import { mentionsInOrder, mentionText } from '@shared/message-format.ts'
import type { Mention } from '@shared/protocol.ts'
import { isPersonId } from '../../engine/live-inbox.ts'
import type { ChatParticipant } from '../../engine/people.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'

/** How many people the suggestion list shows at most. */
export const MAX_SUGGESTIONS = 8
// A name is at most 64 characters: an `@` further back than that is no mention being typed.
const MAX_QUERY_CHARS = 64

/** Someone who can be mentioned: the mention to store, and how the list shows them. */
export interface MentionCandidate extends Mention {
  /** "Ana", or "Ana (2)" for a second Ana in the call. */
  label: string
  /** In the call now (listed first), or only a recent sender. */
  present: boolean
}

/** The `@…` being typed at the caret: where its `@` is, and the text typed after it. */
export interface MentionQuery {
  start: number
  query: string
}

/**
 * The mention being typed at `caret`, if any: an `@` that starts a word (not inside an email
 * address), followed on the same line by what has been typed so far.
 *
 * @example mentionQueryAt('hi @an', 6) // { start: 3, query: 'an' }
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | undefined {
  const from = Math.max(0, caret - MAX_QUERY_CHARS - 1)
  const start = text.lastIndexOf('@', caret - 1)
  if (start < from || start < 0) return undefined
  const before = text.charAt(start - 1)
  if (before !== '' && !/[\s([{"'“‘]/u.test(before)) return undefined
  const query = text.slice(start + 1, caret)
  if (query.includes('\n') || query.includes('@') || /^\s/.test(query)) return undefined
  return { start, query }
}

/**
 * The people to suggest for `query`: those in the call first (in the participant list's order),
 * then recent senders (newest first), once each, never this user or the room itself. A person
 * matches when their name, or a word of it, starts with the query, ignoring case and accents.
 */
export function mentionCandidates(
  query: string,
  people: { participants: readonly ChatParticipant[]; messages: readonly TimelineMessage[] },
  ownUserId: string,
): MentionCandidate[] {
  const seen = new Set<string>([ownUserId])
  const candidates: MentionCandidate[] = []
  const consider = (candidate: MentionCandidate) => {
    if (seen.has(candidate.userId) || !matches(candidate.name, query)) return
    seen.add(candidate.userId)
    candidates.push(candidate)
  }
  for (const participant of people.participants) {
    consider({
      userId: participant.userId,
      name: participant.userName,
      label: participant.label,
      present: true,
    })
  }
  for (let index = people.messages.length - 1; index >= 0; index -= 1) {
    if (candidates.length >= MAX_SUGGESTIONS) break
    const message = people.messages[index]
    // Senders the transport could not name (the REST API's "Room", unknown sessions) are nobody.
    if (!message || message.deleted || !isPersonId(message.sender.id)) continue
    const { id, name } = message.sender
    consider({ userId: id, name, label: name, present: false })
  }
  return candidates.slice(0, MAX_SUGGESTIONS)
}

/**
 * The text with the `@query` at `at` replaced by the candidate's `@Name` and a space, and where
 * the caret goes after it.
 */
export function insertMention(
  text: string,
  at: MentionQuery,
  candidate: Pick<Mention, 'name'>,
): { text: string; caret: number } {
  const inserted = `${mentionText(candidate)} `
  const after = text.slice(at.start + 1 + at.query.length).replace(/^ /, '')
  return {
    text: `${text.slice(0, at.start)}${inserted}${after}`,
    caret: at.start + inserted.length,
  }
}

/**
 * The people picked so far, with `candidate` just picked for the `@Name` inserted at `start` of
 * `text`. Of two people with one name, the first `@Name` of a text names the first of them in the
 * list (message-format.ts), so the one picked goes among those of its name in the place its
 * `@Name` has in the text.
 *
 * @example withPicked([secondAna], firstAna, '@Ana and @Ana', 0) // [firstAna, secondAna]
 */
export function withPicked(
  picked: readonly Mention[],
  candidate: Mention,
  text: string,
  start: number,
): Mention[] {
  const others = picked.filter((person) => person.userId !== candidate.userId)
  const mention = { userId: candidate.userId, name: candidate.name }
  const before = mentionsInOrder(text.slice(0, start), [mention]).length
  let sameName = 0
  const at = others.findIndex((person) => person.name === candidate.name && sameName++ === before)
  return at < 0 ? [...others, mention] : [...others.slice(0, at), mention, ...others.slice(at)]
}

const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase()

function matches(name: string, query: string): boolean {
  if (query === '') return true
  const folded = fold(name)
  const wanted = fold(query)
  return folded.startsWith(wanted) || folded.split(/\s+/).some((word) => word.startsWith(wanted))
}

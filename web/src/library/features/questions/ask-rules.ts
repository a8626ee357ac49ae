import { QUESTION_REFUSALS, type RoomSettings } from '@shared/protocol.ts'

/**
 * Why the room's settings keep this user from asking now, in the function's words, or undefined:
 * `questions.who` set on its own, or `chat` (whoever may send may ask). The function decides in
 * the end; this spares a person a form that can only be refused.
 */
export function askRefusal(settings: RoomSettings, owner: boolean): string | undefined {
  const who = settings.questions?.who ?? 'chat'
  const send = who === 'chat' ? settings.send : who
  if (send === 'nobody') return QUESTION_REFUSALS.questions_off
  if (send === 'owners' && !owner) return QUESTION_REFUSALS.owners_only
  return undefined
}

/** A question's start, to tell its buttons apart: "Upvote: When is the…". */
export function questionStart(body: string): string {
  const line = body.split('\n')[0] ?? ''
  if ([...line].length <= 40 && line === body) return line
  const cut = [...line].slice(0, 40).join('')
  const atWord = cut.lastIndexOf(' ')
  return `${atWord > 20 ? cut.slice(0, atWord) : cut}…`
}

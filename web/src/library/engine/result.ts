/**
 * What an action a person asked for came to: done (with what it made, e.g. `{ id }`), or why not,
 * in words for them. Used where a refusal is an answer to show, not a failure (sending an empty
 * message, editing someone else's); API calls throw ChatApiError instead.
 *
 * @example
 * const sent: Result<{ id: string }> = client.send(text)
 * if (!sent.ok) showError(sent.error)
 */
export type Result<Done extends object = Record<never, never>> =
  | ({ ok: true } & Done)
  | { ok: false; error: string }

/** A refusal, with its reason. */
export const refused = (error: string): { ok: false; error: string } => ({ ok: false, error })

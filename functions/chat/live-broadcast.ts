// What the function itself says over the live channel. People's clients broadcast their own
// messages; some news must not come from a person's session, because the receivers would learn
// who sent it: a question asked anonymously, a vote (the chat shows counts, never who voted). The
// function sends those as Daily's REST API does (`fromId` 'API', which no participant can be), and
// the receivers accept them only from there.
import {
  fitsLiveChannel,
  LIVE_PROTOCOL_VERSION,
  type LiveQuestion,
  type StoredQuestion,
} from '../_shared/protocol.ts'
import { keepRunningUntil } from './edge-runtime.ts'

/** Sends one app message to everyone in a room (the transport: Daily's REST API, or the relay). */
export type SendAppMessage = (room: string, data: unknown) => Promise<void>

export interface LiveBroadcast {
  /**
   * Tells everyone in `room` the current state of these questions, as anyone may see them. Sent
   * shortly after, together with the room's other changes meanwhile (a vote storm is a few app
   * messages, not one per vote); a question's latest revision wins.
   */
  questionsChanged(room: string, questions: readonly StoredQuestion[]): void
  /** Tells everyone in `room` that these questions left the board (sent as questionsChanged). */
  questionsRemoved(room: string, ids: readonly string[]): void
  /**
   * Tells everyone in `room`, at once, that stored messages changed where only the changes feed
   * shows it (an approval, a rejection): one `changed` notice, whose catch-up brings each reader
   * what they may see of all of them, and nothing of the rest.
   */
  messagesChanged(room: string, ids: readonly string[]): void
  /** Resolves once everything noted so far was sent (or failed, which is logged). */
  settled(): Promise<void>
}

/** How long the changes of a room are gathered before they go out together. */
const GATHER_MS = 100

/** A question as everyone may see it: without what only its reader knows (`mine`, `myVote`). */
function publicQuestion({ mine: _, myVote: __, ...question }: StoredQuestion): LiveQuestion {
  return question
}

interface QuestionsEnvelope {
  v: typeof LIVE_PROTOCOL_VERSION
  type: 'questions'
  questions: LiveQuestion[]
  removed?: string[]
}

/** How many removals one envelope names at most (liveEnvelopeSchema). */
const MAX_REMOVED = 100

/**
 * The envelopes that carry `questions` and `removed`, as few as the channel's size limit allows,
 * each under MAX_LIVE_MESSAGE_CHARS of JSON (a question is at most 500 characters, so one always
 * fits); removals go in the first.
 */
function questionEnvelopes(questions: readonly LiveQuestion[], removed: readonly string[]) {
  const envelopes: QuestionsEnvelope[] = []
  for (let at = 0; at < removed.length; at += MAX_REMOVED) {
    envelopes.push({
      v: LIVE_PROTOCOL_VERSION,
      type: 'questions',
      questions: [],
      removed: removed.slice(at, at + MAX_REMOVED),
    })
  }
  for (const question of questions) {
    const last = envelopes.at(-1)
    if (last && fitsLiveChannel({ ...last, questions: [...last.questions, question] })) {
      last.questions.push(question)
    } else {
      envelopes.push({ v: LIVE_PROTOCOL_VERSION, type: 'questions', questions: [question] })
    }
  }
  return envelopes
}

/**
 * The function's live broadcasts through `send`; a failed send is logged and dropped (the news is
 * stored, and clients read it again at their next catch-up).
 *
 * @example const live = createLiveBroadcast({ send: dailyAppMessages(config), log: console.warn })
 */
export function createLiveBroadcast(options: {
  send: SendAppMessage
  log: (message: string) => void
  gatherMs?: number
}): LiveBroadcast {
  const gatherMs = options.gatherMs ?? GATHER_MS
  // Per room, what changed meanwhile: each question as it now is, or null once it left the board
  // (the later news of a question wins; of two versions, the newer revision).
  const pending = new Map<string, Map<string, LiveQuestion | null>>()
  const sending = new Set<Promise<void>>()

  async function flush(room: string) {
    const changed = pending.get(room)
    pending.delete(room)
    if (!changed) return
    const questions: LiveQuestion[] = []
    const removed: string[] = []
    for (const [id, question] of changed) {
      if (question) questions.push(question)
      else removed.push(id)
    }
    for (const envelope of questionEnvelopes(questions, removed)) {
      try {
        await options.send(room, envelope)
      } catch (error) {
        const what = envelope.questions.length + (envelope.removed?.length ?? 0)
        options.log(
          `live: could not send ${what} question(s) to room ${room}: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
  }

  /** The room's pending changes, a send scheduled when they are the first. */
  function changesOf(room: string) {
    let changed = pending.get(room)
    if (!changed) {
      changed = new Map()
      pending.set(room, changed)
      const sent = new Promise<void>((resolve) => setTimeout(resolve, gatherMs))
        .then(() => flush(room))
        .finally(() => sending.delete(sent))
      sending.add(sent)
      keepRunningUntil(sent)
    }
    return changed
  }

  return {
    questionsChanged(room, questions) {
      const changed = changesOf(room)
      for (const question of questions) {
        const known = changed.get(question.id)
        if (!known || known.revision < question.revision) {
          changed.set(question.id, publicQuestion(question))
        }
      }
    },
    questionsRemoved(room, ids) {
      const changed = changesOf(room)
      for (const id of ids) changed.set(id, null)
    },
    messagesChanged(room, ids) {
      const [id] = ids
      if (id === undefined) return
      const envelope = { v: LIVE_PROTOCOL_VERSION, type: 'changed', id } as const
      const sent = options
        .send(room, envelope)
        .catch((error: unknown) =>
          options.log(
            `live: could not tell room ${room} of changed messages: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(() => sending.delete(sent))
      sending.add(sent)
      keepRunningUntil(sent)
    },
    async settled() {
      while (sending.size > 0) await Promise.all(sending)
    },
  }
}

/** How long a send to Daily's REST API may take before it is given up. */
const SEND_TIMEOUT_MS = 5000

/**
 * Daily's REST API as the transport: `POST {apiUrl}/rooms/:name/send-app-message` with
 * `{data, recipient: '*'}`, authorized by the domain's API key. Throws on an answer that is not
 * 2xx, naming its status.
 *
 * @example dailyAppMessages({ apiUrl: 'https://api.daily.co/v1', apiKey })
 */
export function dailyAppMessages(options: {
  apiUrl: string
  apiKey: string
  fetch?: typeof fetch
}): SendAppMessage {
  const send = options.fetch ?? fetch
  const base = options.apiUrl.replace(/\/+$/, '')
  return async (room, data) => {
    const response = await send(`${base}/rooms/${encodeURIComponent(room)}/send-app-message`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ data, recipient: '*' }),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    })
    // Read to the end, so that the connection can be used again.
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`Daily's REST API answered ${response.status}`)
  }
}

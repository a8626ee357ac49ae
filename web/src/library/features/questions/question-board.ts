import {
  askQuestionRequestSchema,
  editQuestionRequestSchema,
  isMessageIdOf,
  type LiveQuestion,
  newMessageId,
  questionStateRequestSchema,
  type StoredQuestion,
} from '@shared/protocol.ts'
import type { z } from 'zod'
import type { RoomApi } from '../../engine/chat-api.ts'
import { type Clock, systemClock } from '../../engine/clock.ts'
import { LatestRead } from '../../engine/latest-read.ts'
import type { LiveHandler } from '../../engine/live-handler.ts'
import { type Result, refused } from '../../engine/result.ts'
import type { RoomStateFeature } from '../../engine/room-state-feature.ts'
import { Store } from '../../engine/store.ts'
import { answerOneAtATime, byBoardOrder, updatesWaiting } from './board-order.ts'
import {
  askQuestion,
  editQuestion,
  loadQuestions,
  reviewQuestions,
  setQuestionState,
  voteQuestion,
  withdrawQuestion,
} from './questions-api.ts'

/**
 * What the person wrote, checked with the protocol's own schema before it is sent: the
 * function's reasons, in its words ("A question is at most 500 characters. Shorten it."), at once.
 */
function check<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): Result<{ value: z.output<Schema> }> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return { ok: true, value: parsed.data }
  return refused(parsed.error.issues[0]?.message ?? 'This is not valid.')
}

export interface QuestionBoardState {
  /**
   * The questions as shown: in the board's order (see byBoardOrder), or, while the reader holds
   * the board (pointer over it, focus in it), in the order it had then, each as it now is.
   */
  questions: readonly StoredQuestion[]
  /** While held: how many questions would move or arrive if the order were applied now. */
  waiting: number
}

/** What screen readers are told of the board: the latest news, numbered so a repeat is news too. */
export interface QuestionNews {
  text: string
  serial: number
}

export interface QuestionBoardOptions {
  api: Pick<RoomApi, 'route'>
  /** This user: their own questions are theirs (`mine`) even when first seen live. */
  userId: string
  /** Owners see questions waiting for approval, which live news never carries. */
  owner: boolean
  /**
   * Whether the room's questions wait for approval now. An owner's board is then read again every
   * OWNER_QUEUE_READ_MS: news of a waiting question goes to nobody live (the function cannot tell
   * owners' sessions from others', and a notice to all would tell everyone that one is waiting).
   */
  needApproval?: () => boolean
  clock?: Clock
  log: (message: string, detail?: unknown) => void
}

/** How often an owner's board is read while questions wait for approval. */
export const OWNER_QUEUE_READ_MS = 5000

/**
 * The room's Q&A board (a RoomStateFeature): read on join and at every catch-up, changed live by
 * the function's `questions` envelopes (newer revisions win; what only the reader knows, `mine`
 * and `myVote`, stays from the reader's copy) and by the answers to this user's own actions. The
 * order moves live, except under the reader's pointer or focus (`hold`): there it waits until
 * they leave or ask for it (`showUpdates`), while counts still change in place.
 */
export class QuestionBoard extends Store<QuestionBoardState> implements RoomStateFeature {
  /** The function's news of the board: taken only from Daily's REST API, never from a session. */
  readonly live: LiveHandler<'questions'> = {
    type: 'questions',
    from: 'api',
    receive: (envelope) => this.#receivedLive(envelope.questions, envelope.removed ?? []),
  }
  readonly #news = new Store<QuestionNews>({ text: '', serial: 0 })
  /** New questions and the one being answered, for screen readers. */
  readonly news = this.#news
  readonly #options: QuestionBoardOptions
  readonly #reads: LatestRead<{ questions: StoredQuestion[] }>
  readonly #byId = new Map<string, StoredQuestion>()
  /** The ids in the order shown while held; undefined while the order moves freely. */
  #frozen: string[] | undefined
  /** The question being asked, kept until it is stored so that a retry reuses its id. */
  #draft: { id: string; body: string; anonymous: boolean } | undefined

  #queueTimer: unknown

  constructor(options: QuestionBoardOptions) {
    super({ questions: [], waiting: 0 })
    this.#options = options
    this.#reads = new LatestRead(
      () => loadQuestions(options.api),
      ({ questions }) => this.#read(questions),
      options.log,
      'the questions',
    )
    if (options.owner && options.needApproval) this.#readQueueLater()
  }

  /** An owner's next look at the waiting questions (see QuestionBoardOptions.needApproval). */
  #readQueueLater(): void {
    const clock = this.#options.clock ?? systemClock
    this.#queueTimer = clock.setTimeout(() => {
      if (this.#options.needApproval?.()) void this.refresh()
      this.#readQueueLater()
    }, OWNER_QUEUE_READ_MS)
  }

  /** Stops reading the waiting questions and forgets every listener (the client is disposed). */
  dispose(): void {
    if (this.#queueTimer !== undefined)
      (this.#options.clock ?? systemClock).clearTimeout(this.#queueTimer)
    this.#queueTimer = undefined
    this.unsubscribeAll()
  }

  /** Reads the board again; a failure keeps the questions known. */
  refresh(): Promise<void> {
    return this.#reads.run()
  }

  /** The reader's pointer or focus is on the board (`true`), or has left it: the order waits. */
  hold(held: boolean): void {
    if (held === (this.#frozen !== undefined)) return
    this.#frozen = held ? this.getSnapshot().questions.map((question) => question.id) : undefined
    this.#publish()
  }

  /** Shows the board in its current order now, even while held ("N updates — show"). */
  showUpdates(): void {
    if (this.#frozen) this.#frozen = this.#sorted().map((question) => question.id)
    this.#publish()
  }

  /**
   * Asks a question for the room (anonymously when the room allows it); a retry of the same text
   * reuses its id, so it is asked once. Returns why not, in the function's words.
   */
  async ask(text: string, anonymous: boolean): Promise<Result> {
    const checked = check(askQuestionRequestSchema.shape.body, text)
    if (!checked.ok) return checked
    const { value: body } = checked
    const draft = this.#draft
    const id =
      draft && draft.body === body && draft.anonymous === anonymous
        ? draft.id
        : newMessageId(this.#options.userId)
    this.#draft = { id, body, anonymous }
    return this.#act(async (api) => {
      this.#stored(await askQuestion(api, { id, body, ...(anonymous ? { anonymous } : {}) }))
      this.#draft = undefined
    })
  }

  /** Upvotes the question `id` (`on`) or takes the vote back. */
  vote(id: string, on: boolean): Promise<Result> {
    return this.#act(async (api) => this.#stored(await voteQuestion(api, id, on)))
  }

  /** The asker changes their question's text (while nobody has voted). */
  edit(id: string, text: string): Promise<Result> {
    const checked = check(editQuestionRequestSchema.shape.body, text)
    if (!checked.ok) return Promise.resolve(checked)
    return this.#act(async (api) => this.#stored(await editQuestion(api, id, checked.value)))
  }

  /** The asker withdraws their question: it leaves the board. */
  withdraw(id: string): Promise<Result> {
    return this.#act(async (api) => {
      await withdrawQuestion(api, id)
      this.#remove([id])
    })
  }

  /** Owners: marks the question `id` open, being answered now, answered (with `answer`) or dismissed. */
  setState(id: string, state: StoredQuestion['state'], answer?: string): Promise<Result> {
    const checked = check(
      questionStateRequestSchema,
      answer === undefined ? { state } : { state, answer },
    )
    if (!checked.ok) return Promise.resolve(checked)
    return this.#act(async (api) => {
      const question = await setQuestionState(api, id, state, checked.value.answer)
      if (question) this.#stored(question)
      else this.#remove([id])
    })
  }

  /** Owners: approves (`approve`) or rejects questions waiting for approval. */
  review(ids: readonly string[], approve: boolean): Promise<Result> {
    return this.#act(async (api) => {
      const results = await reviewQuestions(api, ids, approve)
      for (const { outcome, question } of results) {
        if (outcome === 'approved' && question) this.#put(question)
      }
      // A rejected question stays on its asker's board only; one not found has gone.
      this.#remove(
        results
          .filter(({ outcome }) => outcome === 'rejected' || outcome === 'not_found')
          .map(({ id }) => id),
      )
    })
  }

  /** Whether this user may upvote the question: someone else's, approved, not answered yet. */
  canVote(question: StoredQuestion): boolean {
    return (
      !question.mine &&
      question.review === 'approved' &&
      (question.state === 'open' || question.state === 'answering')
    )
  }

  /** Whether this user may edit the question: theirs, open, not rejected, and nobody voted yet. */
  canEdit(question: StoredQuestion): boolean {
    return (
      question.mine &&
      question.votes === 0 &&
      question.state === 'open' &&
      question.review !== 'rejected'
    )
  }

  async #act(action: (api: Pick<RoomApi, 'route'>) => Promise<void>): Promise<Result> {
    try {
      await action(this.#options.api)
      return { ok: true }
    } catch (error) {
      return refused((error as Error).message)
    }
  }

  /** The board as the function read it for this reader; newer live copies of a question win. */
  #read(questions: readonly StoredQuestion[]): void {
    const known = new Map(this.#byId)
    this.#byId.clear()
    for (const question of questions) {
      const mine = known.get(question.id)
      this.#byId.set(
        question.id,
        mine && mine.revision > question.revision
          ? { ...mine, mine: question.mine, myVote: question.myVote }
          : question,
      )
    }
    // A live copy newer than the read may have moved "answering" on: the newest mark wins.
    const answering = [...this.#byId.values()]
      .filter((question) => question.state === 'answering')
      .sort((a, b) => b.revision - a.revision)[0]
    if (answering) answerOneAtATime(this.#byId, answering)
    this.#publish()
  }

  /** A question as the function answered one of this user's actions: theirs to know in full. */
  #stored(question: StoredQuestion): void {
    this.#put(question)
    this.#publish()
  }

  #put(question: StoredQuestion): void {
    const known = this.#byId.get(question.id)
    const next =
      known && known.revision > question.revision
        ? { ...known, mine: question.mine, myVote: question.myVote }
        : question
    this.#byId.set(question.id, next)
    answerOneAtATime(this.#byId, next)
  }

  #receivedLive(questions: readonly LiveQuestion[], removed: readonly string[]): void {
    const { userId, owner } = this.#options
    let readAgain = false
    const news: string[] = []
    for (const question of questions) {
      const known = this.#byId.get(question.id)
      if (known && known.revision >= question.revision) continue
      const mine = known?.mine ?? isMessageIdOf(question.id, userId)
      if (!known && !mine) news.push(`New question: ${question.body}`)
      if (question.state === 'answering' && known?.state !== 'answering') {
        news.push(`Now answering: ${question.body}`)
      }
      this.#put({ ...question, mine, myVote: known?.myVote ?? false })
    }
    for (const id of removed) {
      // Its asker learns why from the board (rejected); owners see it if it waits for approval again.
      if (owner || this.#byId.get(id)?.mine) readAgain = true
    }
    this.#remove(removed)
    if (news.length > 0) this.#tell(news)
    if (readAgain) void this.refresh()
  }

  #remove(ids: readonly string[]): void {
    for (const id of ids) this.#byId.delete(id)
    this.#publish()
  }

  /** A few pieces of news are read out; a burst (a catch-up's worth) is summed up. */
  #tell(news: readonly string[]): void {
    const text = news.length <= 3 ? news.join('\n') : `${news.length} questions changed.`
    this.#news.set({ text, serial: this.#news.getSnapshot().serial + 1 })
  }

  #sorted(): StoredQuestion[] {
    return [...this.#byId.values()].sort(byBoardOrder)
  }

  #publish(): void {
    const sorted = this.#sorted()
    if (!this.#frozen) {
      this.set({ questions: sorted, waiting: 0 })
      return
    }
    // Held: the order shown stays; questions that left the board go, new ones wait.
    this.#frozen = this.#frozen.filter((id) => this.#byId.has(id))
    const questions = this.#frozen.map((id) => this.#byId.get(id) as StoredQuestion)
    this.set({ questions, waiting: updatesWaiting(this.#frozen, sorted) })
  }
}

/**
 * A read from the function that is repeated (on join, at every catch-up, when someone announces
 * a change), of which only the latest counts: an answer that arrives after a newer read began is
 * dropped, and a failed read keeps what is known (and is logged).
 *
 * @example
 * const pins = new LatestRead(() => loadPins(api), (page) => store.set(page.messages), log, 'the pins')
 * await pins.run()
 */
export class LatestRead<Answer> {
  #reads = 0

  constructor(
    private readonly read: () => Promise<Answer>,
    private readonly apply: (answer: Answer) => void,
    private readonly log: (message: string, detail?: unknown) => void,
    /** What is read, for the log: "the room settings". */
    private readonly what: string,
  ) {}

  /** Reads again; resolves once the answer is applied, dropped or failed. */
  async run(): Promise<void> {
    const read = ++this.#reads
    try {
      const answer = await this.read()
      if (read === this.#reads) this.apply(answer)
    } catch (error) {
      this.log(`could not read ${this.what}`, error)
    }
  }

  /** Something newer was applied by other means (a save's answer): reads in flight are stale. */
  supersede(): void {
    this.#reads += 1
  }
}

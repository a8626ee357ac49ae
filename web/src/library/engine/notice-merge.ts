/**
 * A read that announcements ask for, merged: the first ask reads at once; every ask that comes
 * while that read is in flight shares one more read after it (what is in flight may predate
 * what was announced), and no further one. A burst of 100 announcements costs two reads, a
 * single one costs one, and the last read always starts after the last announcement, so no
 * change is missed.
 *
 * @example
 * const settings = new MergedRead(() => rules.refresh())
 * transport.on('message', () => void settings.run())
 */
export class MergedRead {
  readonly #read: () => Promise<void>
  #inFlight: Promise<void> | undefined
  #again: Promise<void> | undefined

  constructor(read: () => Promise<void>) {
    this.#read = read
  }

  /** Reads now, or once more after the read in flight; resolves when that read is done. */
  run(): Promise<void> {
    if (this.#inFlight) {
      // A failed read is the reader's to report; the one queued behind it runs all the same.
      const next = () => {
        this.#again = undefined
        return this.run()
      }
      this.#again ??= this.#inFlight.then(next, next)
      return this.#again
    }
    const run = this.#read().finally(() => {
      this.#inFlight = undefined
    })
    this.#inFlight = run
    return run
  }
}

import type { BenchContext, Figure } from './figures.ts'

/** Live delivery between real pages over the relay, and the client with a long history. */
export async function benchBrowser(_context: BenchContext): Promise<Figure[]> {
  throw new Error('not implemented')
}

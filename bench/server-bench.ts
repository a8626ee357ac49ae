import type { BenchContext, Figure } from './figures.ts'

/** Write path (function vs direct inserts) and history latency at 100,000 and 1,000,000 rows. */
export async function benchServer(_context: BenchContext): Promise<Figure[]> {
  throw new Error('not implemented')
}

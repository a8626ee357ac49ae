/** One measured figure, its target and whether it met it. */
export interface Figure {
  name: string
  value: number
  unit: string
  /** The target in words, e.g. "< 10 ms" or ">= 0.5". */
  target: string
  pass: boolean
}

/** What every benchmark part gets from the runner. */
export interface BenchContext {
  /** The benchmark's own embedded PostgreSQL, migrated, empty at the start. */
  databaseUrl: string
  /** Chromium for the browser parts (same finder as the tests). */
  chromiumPath: string
  /** The built SPA is in dist/web (the runner builds it first). */
  log: (line: string) => void
}

/** `value` rounded to `digits` decimals, for the table. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/** The p-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

/** A figure that must stay below `limit`. */
export const atMost = (name: string, value: number, unit: string, limit: number): Figure => ({
  name,
  value,
  unit,
  target: `< ${limit} ${unit}`,
  pass: value < limit,
})

/** A figure that must reach at least `floor`. */
export const atLeast = (name: string, value: number, unit: string, floor: number): Figure => ({
  name,
  value,
  unit,
  target: `>= ${floor} ${unit}`,
  pass: value >= floor,
})

/** A figure reported for reference, without a target of its own. */
export const info = (name: string, value: number, unit: string): Figure => ({
  name,
  value,
  unit,
  target: '—',
  pass: true,
})

/** A figure of an earlier run, as bench/latest.json keeps it. */
export type PreviousFigure = Pick<Figure, 'name' | 'value' | 'unit'>

/**
 * How a figure compares with the same figure of an earlier run: its previous value, and the
 * change as a percentage of it (the absolute difference where the previous value was 0); "new"
 * for a figure the earlier run did not have, or had in another unit.
 *
 * @example compareWith([{ name: 'p99', value: 8, unit: 'ms' }], { name: 'p99', value: 10, unit: 'ms', ... })
 * // { previous: '8 ms', change: '+25%' }
 */
export function compareWith(
  previous: readonly PreviousFigure[],
  figure: Figure,
): { previous: string; change: string } {
  const before = previous.find((old) => old.name === figure.name && old.unit === figure.unit)
  if (!before) return { previous: 'new', change: '' }
  const difference = figure.value - before.value
  const sign = difference > 0 ? '+' : difference < 0 ? '−' : '±'
  const change =
    before.value === 0
      ? `${sign}${round(Math.abs(difference), 2)} ${figure.unit}`
      : `${sign}${Math.round(Math.abs((difference / before.value) * 100))}%`
  return { previous: `${before.value} ${before.unit}`, change }
}

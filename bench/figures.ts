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

/**
 * The product's figure over the floor's, both measured in the same run (issue 20, item 9: this
 * machine's absolute times drift by 30–70% between runs, a ratio much less). Passes at or under
 * `limit`; a floor of 0 or one that could not be measured fails rather than pass as Infinity.
 *
 * @example overFloor('history p99, function / floor', 6, 4, 1.5)
 * // { name: 'history p99, function / floor', value: 1.5, unit: 'x', target: '<= 1.5 x', pass: true }
 */
export function overFloor(name: string, product: number, floor: number, limit: number): Figure {
  const value = round(product / floor, 2)
  return {
    name,
    value,
    unit: 'x',
    target: `<= ${limit} x`,
    pass: Number.isFinite(value) && value <= limit,
  }
}

/**
 * `items` in round `round`'s order: as given in even rounds, reversed in odd ones. Measuring two
 * things in turn this way (ABBA) keeps either from always going first, after the other has warmed
 * or loaded the machine; over three (ABC CBA) each meets the same neighbours.
 *
 * @example [0, 1].flatMap((round) => inTurn(['a', 'b'], round)) // ['a', 'b', 'b', 'a']
 */
export function inTurn<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...items] : [...items].reverse()
}

type Percentile = 'p50' | 'p99'

/** How the figures of one measurement against its floor are named, and which have targets. */
export interface FloorComparison {
  /** The name of the product's figure at `p`, of the floor's, and of the product over the floor. */
  product: (p: Percentile) => string
  floor: (p: Percentile) => string
  ratio: (p: Percentile) => string
  /** The ratios in `targets` must stay at or under `limit`; the others are information. */
  limit: number
  targets: readonly Percentile[]
  /** Decimals of the times (ms); ratios always have two. */
  digits?: number
}

/**
 * The figures of a measurement against its floor, both sides' times (ms) from the same run: each
 * side's p50 and p99 as information (this machine's times drift between runs), then the product
 * over the floor at p50 and p99, with `limit` as the target of those in `targets`.
 *
 * @example againstFloor({ product: (p) => `live ${p}`, floor: (p) => `floor ${p}`,
 *   ratio: (p) => `live / floor ${p}`, limit: 2, targets: ['p50', 'p99'] }, liveTimes, floorTimes)
 */
export function againstFloor(
  comparison: FloorComparison,
  product: readonly number[],
  floor: readonly number[],
): Figure[] {
  const { digits = 1 } = comparison
  const percentiles = (['p50', 'p99'] as const).map((p) => ({
    p,
    product: percentile(product, p === 'p50' ? 50 : 99),
    floor: percentile(floor, p === 'p50' ? 50 : 99),
  }))
  return [
    ...percentiles.map(({ p, product }) =>
      info(comparison.product(p), round(product, digits), 'ms'),
    ),
    ...percentiles.map(({ p, floor }) => info(comparison.floor(p), round(floor, digits), 'ms')),
    ...percentiles.map(({ p, product, floor }) =>
      comparison.targets.includes(p)
        ? overFloor(comparison.ratio(p), product, floor, comparison.limit)
        : info(comparison.ratio(p), round(product / floor, 2), 'x'),
    ),
  ]
}

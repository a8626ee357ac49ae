// `npm run bench`: measures Backchannel against its targets and baselines in one run (ratios of
// figures measured together count; this machine is noisy), prints a table and writes
// bench/latest.json. Not part of `npm test`.
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { z } from 'zod'
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts'
import { applyMigrations } from '../local/migrate.ts'
import { findChromium } from '../test/chromium.ts'
import { benchBrowser } from './browser-bench.ts'
import { benchEngine } from './engine-bench.ts'
import {
  atMost,
  type BenchContext,
  compareWith,
  type Figure,
  info,
  type PreviousFigure,
  round,
} from './figures.ts'
import { benchServer } from './server-bench.ts'
import { benchVoteStorm } from './vote-storm.ts'

const root = path.resolve(import.meta.dirname, '..')
const log = (line: string) => console.log(`  ${line}`)

/** Gzipped sizes of the entry script and of the lazily loaded Daily chunk. */
async function benchBundle(): Promise<Figure[]> {
  const assets = path.join(root, 'dist/web/assets')
  const files = (await readdir(assets)).filter((file) => file.endsWith('.js'))
  const html = await readFile(path.join(root, 'dist/web/index.html'), 'utf8')
  const entry = files.find((file) => html.includes(file))
  const daily = files.find((file) => file.startsWith('daily-session'))
  const gzipped = async (file: string | undefined) =>
    file ? gzipSync(await readFile(path.join(assets, file))).length / 1024 : Number.NaN
  const entryKb = await gzipped(entry)
  const entrySource = entry ? await readFile(path.join(assets, entry), 'utf8') : ''
  return [
    atMost('bundle: entry JavaScript (gzip)', round(entryKb), 'KB', 150),
    info(
      'bundle: Daily chunk, loaded only in Daily mode (gzip)',
      round(await gzipped(daily)),
      'KB',
    ),
    {
      name: 'bundle: Daily SDK absent from the entry',
      value: entrySource.includes('createCallObject') ? 0 : 1,
      unit: 'yes=1',
      target: '= 1',
      pass: !entrySource.includes('createCallObject'),
    },
  ]
}

/**
 * `--only server`, `--only browser`, `--only engine` or `--only questions` (after `--`:
 * `npm run bench -- --only server`) runs one part (the bundle figures always come along); the
 * default is the full run. A partial run prints its table but leaves bench/latest.json alone:
 * that file holds full runs only.
 */
const PARTS = ['server', 'browser', 'engine', 'questions'] as const

function onlyPart(): (typeof PARTS)[number] | undefined {
  const at = process.argv.indexOf('--only')
  if (at === -1) return undefined
  const part = PARTS.find((name) => name === process.argv[at + 1])
  if (part) return part
  throw new Error(`--only takes ${PARTS.join(', ')}, not ${process.argv[at + 1]}`)
}

async function main() {
  const only = onlyPart()
  const started = Date.now()
  // The committed run, read before anything is written: every figure is shown against it.
  const previous = await previousFigures()
  const dir = await mkdtemp(path.join(os.tmpdir(), 'backchannel-bench-'))
  // 0700 from mkdtemp: as root, PostgreSQL runs as the postgres user, who must be able to enter it.
  await chmod(dir, 0o711)
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres') })
  try {
    await applyMigrations(postgres.url)
    const context: BenchContext = {
      databaseUrl: postgres.url,
      chromiumPath: await findChromium(),
      log,
    }
    const figures: Figure[] = []
    console.log('Bundle')
    figures.push(...(await benchBundle()))
    if (only === undefined || only === 'engine') {
      // First, on the quiet machine: microseconds, without a database or a browser running.
      console.log('Engine: the cost of a change as the history grows')
      figures.push(...(await benchEngine(log)))
    }
    if (only === undefined || only === 'server') {
      console.log('Server: write path and history')
      figures.push(...(await benchServer(context)))
    }
    if (only === undefined || only === 'browser') {
      console.log('Browser: live delivery and the client')
      figures.push(...(await benchBrowser(context)))
    }
    if (only === undefined || only === 'questions') {
      console.log('Questions: a vote storm')
      figures.push(...(await benchVoteStorm(context)))
    }

    printTable(figures, previous)
    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
    }
    const result = {
      figures,
      machine,
      date: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
    }
    if (only) {
      console.log(`\nOnly the ${only} part (${result.seconds} s): bench/latest.json left alone.`)
    } else {
      await writeFile(path.join(root, 'bench/latest.json'), `${JSON.stringify(result, null, 2)}\n`)
      console.log(`\nWrote bench/latest.json (${result.seconds} s).`)
    }
  } finally {
    await postgres.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** The figures of bench/latest.json as committed; none when it is missing or unreadable. */
async function previousFigures(): Promise<PreviousFigure[]> {
  const file = path.join(root, 'bench/latest.json')
  try {
    return previousRunSchema.parse(JSON.parse(await readFile(file, 'utf8'))).figures
  } catch (error) {
    console.warn(`No previous figures (${file}: ${(error as Error).message.split('\n')[0]}).`)
    return []
  }
}

const previousRunSchema = z.object({
  figures: z.array(z.object({ name: z.string(), value: z.number(), unit: z.string() })),
})

function printTable(figures: readonly Figure[], previous: readonly PreviousFigure[]) {
  const rows = figures.map((figure) => {
    const compared = compareWith(previous, figure)
    return [
      figure.name,
      `${figure.value} ${figure.unit}`,
      compared.previous,
      compared.change,
      figure.target,
      figure.pass ? 'pass' : 'FAIL',
    ]
  })
  const headers = ['figure', 'value', 'previous', 'change', 'target', 'result']
  const widths = headers.map((header, column) =>
    Math.max(...rows.map((row) => (row[column] as string).length), header.length),
  )
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ')
  console.log(`\n${line(headers)}`)
  for (const row of rows) console.log(line(row))
}

await main()

import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.join(import.meta.dirname, '..')

/** Folders that hold no file a document may quote: installed, built or made at run time. */
const NOT_SOURCE = new Set(['.git', 'node_modules', 'dist', '.backchannel'])

/**
 * Quoted paths that are not files of the repository, each with why: what the build writes, what
 * the local stack makes at run time, and the package's export names.
 */
const NOT_REPOSITORY_PATHS = [
  /^dist\//, // npm run build / build:lib
  /^\.backchannel\//, // the local stack's data folder
  /^backchannel\//, // the package's exports (`backchannel/styles.css`)
  /^backchannel\.(js|css)$/, // dist/lib's files, named in the embedding guide
  /^index\.d\.ts$/, // dist/lib's types
]

/** A file extension that marks a bare name in backticks as a file (`app.ts`, `config.toml`). */
const FILE_NAME = /^[\w.-]+\.(ts|tsx|mjs|js|css|sql|md|json|jsonc|toml|png)$/

/** Every file and folder of the repository, relative to its root, folders ending in `/`. */
async function repositoryEntries(): Promise<string[]> {
  const entries: string[] = []
  async function walk(folder: string) {
    for (const entry of await readdir(path.join(root, folder), { withFileTypes: true })) {
      if (NOT_SOURCE.has(entry.name)) continue
      const relative = folder ? `${folder}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        entries.push(`${relative}/`)
        await walk(relative)
      } else {
        entries.push(relative)
      }
    }
  }
  await walk('')
  return entries
}

/** A glob of the docs (`e2e/*.e2e.test.ts`, `functions/chat/**.test.ts`) as a regular expression. */
function globPattern(glob: string): RegExp {
  const source = glob
    .split(/(\*\*|\*)/)
    .map((part) => {
      if (part === '**') return '.*'
      if (part === '*') return '[^/]*'
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('')
  return new RegExp(`^${source}`)
}

interface QuotedPath {
  document: string
  line: number
  text: string
}

/**
 * The paths a Markdown file quotes: backticked text shaped like a path (a folder and a name, or a
 * file name with an extension) and the targets of relative links. URLs, absolute paths, routes
 * (`/rooms/:room`), placeholders (`<room>/…`) and ratios (`COUNT/SECONDS`) are not paths.
 */
function quotedPaths(document: string, text: string, topLevel: Set<string>): QuotedPath[] {
  const found: QuotedPath[] = []
  text.split('\n').forEach((lineText, index) => {
    const candidates = [
      ...[...lineText.matchAll(/`([^`\s]+)`/g)].map((match) => match[1] ?? ''),
      ...[...lineText.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)]
        .map((match) => match[1] ?? '')
        .filter((target) => !/^[a-z]+:/.test(target))
        .map((target) =>
          path.posix.normalize(path.posix.join(path.posix.dirname(document), target)),
        ),
    ]
    for (const candidate of candidates) {
      const text = candidate.replace(/^@shared\//, 'functions/_shared/').replace(/[.,;:]$/, '')
      if (!/^[\w.@*-]+(\/[\w.*-]*)*$/.test(text)) continue
      if (text.startsWith('@') || /^[\d/]+$/.test(text)) continue
      const segments = text.split('/')
      const isPath = text.includes('/')
        ? topLevel.has(segments[0] ?? '') ||
          FILE_NAME.test(segments.at(-1) ?? '') ||
          text.endsWith('/')
        : FILE_NAME.test(text)
      if (!isPath || NOT_REPOSITORY_PATHS.some((pattern) => pattern.test(text))) continue
      found.push({ document, line: index + 1, text })
    }
  })
  return found
}

/**
 * Whether a quoted path exists. One that starts at a top-level folder must exist as written; a
 * shorter one (`routes/`, `engine/live-channel.ts`, `app.ts`), quoted beside the folder it lives
 * in, must end the path of some file or folder.
 */
function exists(quoted: string, entries: string[], topLevel: Set<string>): boolean {
  const first = quoted.split('/')[0] ?? ''
  const rooted = topLevel.has(first) || topLevel.has(`${first}/`)
  if (quoted.includes('*')) {
    const pattern = globPattern(rooted ? quoted : `(?:.*/)?${quoted}`)
    return entries.some((entry) => pattern.test(entry))
  }
  const asFolder = quoted.endsWith('/') ? quoted : `${quoted}/`
  if (rooted) return entries.includes(quoted) || entries.includes(asFolder)
  return entries.some(
    (entry) =>
      entry === quoted ||
      entry === asFolder ||
      entry.endsWith(`/${quoted}`) ||
      entry.endsWith(`/${asFolder}`),
  )
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The anchors of a Markdown file's headings (outside fenced code). */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line)
    if (heading) anchors.add(headingAnchor(heading[1] ?? ''))
  }
  return anchors
}

describe('the documentation', () => {
  it('quotes only paths that exist in the repository (README.md and docs/*.md)', async () => {
    const entries = await repositoryEntries()
    const topLevel = new Set(
      entries.filter((entry) => !entry.slice(0, -1).includes('/')).map((e) => e.replace(/\/$/, '')),
    )
    const documents = [
      'README.md',
      ...entries.filter((entry) => /^docs\/[^/]+\.md$/.test(entry)).sort(),
    ]
    const quoted: QuotedPath[] = []
    for (const document of documents) {
      const text = await readFile(path.join(root, document), 'utf8')
      quoted.push(...quotedPaths(document, text, topLevel))
    }
    expect(quoted.length).toBeGreaterThan(100)
    const missing = quoted
      .filter(({ text }) => !exists(text, entries, topLevel))
      .map(({ document, line, text }) => `${document}:${line}: ${text}`)
    expect(missing, 'quoted in the docs but not in the repository').toEqual([])
  })
  it('links only to headings that exist (README.md and docs/*.md)', async () => {
    const documents = [
      'README.md',
      ...(await readdir(path.join(root, 'docs'))).map((f) => `docs/${f}`),
    ]
      .filter((document) => document.endsWith('.md'))
      .sort()
    const texts = new Map<string, string>()
    for (const document of documents) {
      texts.set(document, await readFile(path.join(root, document), 'utf8'))
    }
    const broken: string[] = []
    let links = 0
    for (const [document, text] of texts) {
      text.split('\n').forEach((line, index) => {
        for (const match of line.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
          const target = match[1]
            ? path.posix.normalize(path.posix.join(path.posix.dirname(document), match[1]))
            : document
          const anchor = match[2] ?? ''
          const targetText = texts.get(target)
          if (targetText === undefined) continue // not a document here: the path check covers it
          links++
          if (!anchorsOf(targetText).has(anchor)) {
            broken.push(`${document}:${index + 1}: ${target}#${anchor}`)
          }
        }
      })
    }
    expect(links).toBeGreaterThan(10)
    expect(broken, 'links to a heading that is not there').toEqual([])
  })
})

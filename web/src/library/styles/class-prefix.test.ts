import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.join(import.meta.dirname, '../../../..')

/**
 * The class names a stylesheet's selectors use. Comments and quoted strings go first, so that
 * neither a `.class` in prose nor a dot in an attribute value counts; then every prelude before a
 * `{` that is not an at-rule's is a selector list.
 */
function selectorClasses(css: string): string[] {
  const plain = css.replace(/\/\*[\s\S]*?\*\//g, '').replace(/"[^"]*"|'[^']*'/g, '""')
  const classes = new Set<string>()
  for (const [, prelude] of plain.matchAll(/([^{};]*)\{/g)) {
    if (prelude === undefined || prelude.trim().startsWith('@')) continue
    for (const [, name] of prelude.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)) if (name) classes.add(name)
  }
  return [...classes]
}

/** Every file under `dir` (relative to the repository) whose name ends with one of `endings`. */
async function filesUnder(dir: string, endings: readonly string[]): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true })
  return entries
    .filter((name) => endings.some((ending) => name.endsWith(ending)))
    .map((name) => path.join(dir, name))
}

/** `file: class` for each class a file's selectors use that does not carry `prefix`. */
async function bareSelectors(dir: string, prefix: string): Promise<string[]> {
  const files = await filesUnder(dir, ['.css'])
  expect(files.length).toBeGreaterThan(0)
  const bare = await Promise.all(
    files.map(async (file) =>
      selectorClasses(await readFile(path.join(root, file), 'utf8'))
        .filter((name) => name !== 'backchannel' && !name.startsWith(prefix))
        .map((name) => `${file}: .${name}`),
    ),
  )
  return bare.flat()
}

/** `file: class` for each word of a literal className="…" attribute that lacks `prefix`. */
async function bareClassNames(dir: string, prefix: string): Promise<string[]> {
  const files = await filesUnder(dir, ['.tsx'])
  const bare = await Promise.all(
    files.map(async (file) => {
      const source = await readFile(path.join(root, file), 'utf8')
      return [...source.matchAll(/className="([^"]*)"/g)]
        .flatMap(([, value]) => value?.split(/\s+/) ?? [])
        .filter((name) => name !== '' && name !== 'backchannel' && !name.startsWith(prefix))
        .map((name) => `${file}: ${name}`)
    }),
  )
  return bare.flat()
}

describe('class names', () => {
  it('finds the classes of selectors, not those of comments or attribute values', () => {
    const css = `/* .note */ .backchannel .bc-a.bc-b:has(.bc-c) > a[href$=".pdf"] { width: 0.5rem }
      @media (min-width: 40rem) { .bc-d, .bc-e::before { color: red } }`
    expect(selectorClasses(css).sort()).toEqual([
      'backchannel',
      'bc-a',
      'bc-b',
      'bc-c',
      'bc-d',
      'bc-e',
    ])
  })

  // A host's page has its own .error, .message or .tile: a bare class of ours would collide.
  it('of the library all carry the prefix bc- (the root .backchannel aside)', async () => {
    expect(await bareSelectors('web/src/library', 'bc-')).toEqual([])
    expect(await bareClassNames('web/src/library', 'bc-')).toEqual([])
  })

  it('of the demo app all carry the prefix demo-', async () => {
    expect(await bareSelectors('web/src/demo', 'demo-')).toEqual([])
    expect(await bareClassNames('web/src/demo', 'demo-')).toEqual([])
  })
})

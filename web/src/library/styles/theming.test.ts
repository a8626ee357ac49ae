import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.join(import.meta.dirname, '../../../..')
const library = path.join(root, 'web/src/library')
/** Where hosts read how to theme the column: its table names each property in its first cell. */
const THEMING_DOC = 'docs/embedding.md'

const PROPERTY = /--backchannel-[a-z0-9-]+/g

/** The --backchannel-* properties tokens.css reads: the public ones, each with its default. */
async function tokenProperties(): Promise<string[]> {
  const css = await readFile(path.join(library, 'styles/tokens.css'), 'utf8')
  return [...new Set(css.match(PROPERTY))].sort()
}

/** The properties named in the first cell of the theming table's rows. */
async function documentedProperties(): Promise<string[]> {
  const text = await readFile(path.join(root, THEMING_DOC), 'utf8')
  const names = text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .flatMap((line) => line.split('|')[1]?.match(PROPERTY) ?? [])
  return [...new Set(names)].sort()
}

describe('the theming table', () => {
  it(`lists every public custom property of tokens.css, and no other, in ${THEMING_DOC}`, async () => {
    const tokens = await tokenProperties()
    const documented = await documentedProperties()
    expect(tokens.length).toBeGreaterThan(10)
    // Soft: a failure names what is missing on both sides at once.
    expect
      .soft(
        tokens.filter((name) => !documented.includes(name)),
        `defined in web/src/library/styles/tokens.css but missing from ${THEMING_DOC}'s theming table`,
      )
      .toEqual([])
    expect
      .soft(
        documented.filter((name) => !tokens.includes(name)),
        `listed in ${THEMING_DOC}'s theming table but not defined in web/src/library/styles/tokens.css`,
      )
      .toEqual([])
  })

  it('has every public custom property read in tokens.css, not in another stylesheet', async () => {
    const tokens = await tokenProperties()
    const files = (await readdir(library, { recursive: true }))
      .filter((file) => file.endsWith('.css'))
      .filter((file) => file !== path.join('styles', 'tokens.css'))
    const elsewhere: string[] = []
    for (const file of files) {
      const css = await readFile(path.join(library, file), 'utf8')
      for (const name of new Set(css.match(PROPERTY))) {
        if (!tokens.includes(name)) elsewhere.push(`${name} (web/src/library/${file})`)
      }
    }
    expect(elsewhere, 'read outside tokens.css, so missing from the public list').toEqual([])
  })
})

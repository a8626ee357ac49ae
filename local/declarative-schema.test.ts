import { randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { catalogDifferences, describeCatalog } from '../test/schema-catalog.ts'
import { applyMigrations } from './migrate.ts'

// supabase/schemas is where a person reads the database; supabase/migrations is how a database
// gets there. Both are built here, each into an empty database of its own, and compared.
const SCHEMAS_DIR = path.resolve(import.meta.dirname, '../supabase/schemas')

const serverUrl = new URL(inject('databaseUrl'))
const admin = postgres(serverUrl.href, { max: 1, onnotice: () => {} })
const suffix = randomUUID().slice(0, 8)
const databases = {
  migrations: `declarative_from_migrations_${suffix}`,
  schemas: `declarative_from_schemas_${suffix}`,
}
const urlOf = (name: string) =>
  Object.assign(new URL(serverUrl.href), { pathname: `/${name}` }).href
const fromMigrations = postgres(urlOf(databases.migrations), { max: 1, onnotice: () => {} })
const fromSchemas = postgres(urlOf(databases.schemas), { max: 1, onnotice: () => {} })

/** Runs the schema files on an empty database in file-name order, as the Supabase CLI does. */
async function applySchemaFiles(sql: postgres.Sql) {
  const files = (await readdir(SCHEMAS_DIR)).filter((name) => name.endsWith('.sql')).sort()
  await sql.begin(async (tx) => {
    for (const file of files) {
      try {
        await tx.unsafe(await readFile(path.join(SCHEMAS_DIR, file), 'utf8'))
      } catch (error) {
        throw new Error(`supabase/schemas/${file} does not apply: ${(error as Error).message}`)
      }
    }
  })
  return files
}

beforeAll(async () => {
  // Empty databases (template1), not the test run's migrated template.
  for (const name of Object.values(databases)) await admin`create database ${admin(name)}`
  await applyMigrations(urlOf(databases.migrations))
  await applySchemaFiles(fromSchemas)
})

afterAll(async () => {
  await fromMigrations.end()
  await fromSchemas.end()
  for (const name of Object.values(databases))
    await admin`drop database ${admin(name)} with (force)`
  await admin.end()
})

describe('the declarative schema (supabase/schemas)', () => {
  it('builds the same database as the migrations', async () => {
    const expected = await describeCatalog(fromMigrations)
    // Fix the schema file of that concern, or add the migration that makes the same change.
    expect(
      catalogDifferences(expected, await describeCatalog(fromSchemas)),
      '"-": built by supabase/migrations only; "+": built by supabase/schemas only',
    ).toEqual([])
    expect(expected.length).toBeGreaterThan(500)
  })
})

describe('the comparison of two databases', () => {
  /** The description of the schema-built database after `change`, which is then undone. */
  async function describedAfter(change: string) {
    let described: string[] = []
    await fromSchemas
      .begin(async (tx) => {
        await tx.unsafe(change)
        described = await describeCatalog(tx)
        throw new Error('undo')
      })
      .catch((error: Error) => {
        if (error.message !== 'undo') throw error
      })
    return described
  }

  it('reports a column that only one side has, naming its table', async () => {
    const before = await describeCatalog(fromSchemas)
    const after = await describedAfter('alter table chat.messages add column extra integer')
    expect(catalogDifferences(before, after)).toEqual([
      expect.stringMatching(/^\+ column chat\.messages #\d+ extra integer$/),
    ])
    expect(catalogDifferences(after, before)).toEqual([
      expect.stringMatching(/^- column chat\.messages #\d+ extra integer$/),
    ])
  })

  it('reports the line of a function body that differs, and a comment that differs', async () => {
    const before = await describeCatalog(fromSchemas)
    // The body of chat.moderation_actor (00_schema.sql) with one word changed.
    const after = await describedAfter(`
      create or replace function chat.moderation_actor() returns text
      language sql stable set search_path = ''
      as $$
  select coalesce(nullif(current_setting('backchannel.actor', true), ''), session_user)
$$;
      comment on table chat.reactions is 'Changed.'`)
    expect(catalogDifferences(before, after)).toEqual([
      expect.stringMatching(/^- relation chat\.reactions kind r .* comment Emoji reactions .*$/),
      expect.stringMatching(/^\+ relation chat\.reactions kind r .* comment Changed\.$/),
      "- routine chat.moderation_actor() |   select coalesce(nullif(current_setting('backchannel.actor', true), ''), current_user)",
      "+ routine chat.moderation_actor() |   select coalesce(nullif(current_setting('backchannel.actor', true), ''), session_user)",
    ])
  })
})

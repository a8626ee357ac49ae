import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../supabase/migrations')

/**
 * Applies the SQL files of supabase/migrations that the database has not seen yet, in name order
 * and all in one transaction (a migration that fails leaves the database as it was, none of that
 * run applied), and records them where the Supabase CLI does
 * (supabase_migrations.schema_migrations), so `supabase db push` and this agree on what is applied.
 * Returns the versions it applied.
 */
export async function applyMigrations(
  databaseUrl: string,
  dir = MIGRATIONS_DIR,
): Promise<string[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    return await sql.begin(async (tx) => {
      // Two processes starting at once: the second waits, then finds nothing left to apply.
      await tx`select pg_advisory_xact_lock(hashtextextended('backchannel.migrations', 0))`
      await tx`create schema if not exists supabase_migrations`
      await tx`create table if not exists supabase_migrations.schema_migrations (
        version text primary key, statements text[], name text)`
      const done = new Set(
        (
          await tx<{ version: string }[]>`select version from supabase_migrations.schema_migrations`
        ).map((row) => row.version),
      )
      const applied: string[] = []
      for (const file of (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort()) {
        const [, version, name] = /^(\d+)_(.+)\.sql$/.exec(file) ?? []
        if (!version || !name)
          throw new Error(`Migration file names look like <timestamp>_<name>.sql: ${file}`)
        if (done.has(version)) continue
        const text = await readFile(path.join(dir, file), 'utf8')
        await tx.unsafe(text)
        await tx`insert into supabase_migrations.schema_migrations (version, name, statements)
          values (${version}, ${name}, ${[text]})`
        applied.push(version)
      }
      return applied
    })
  } finally {
    await sql.end()
  }
}

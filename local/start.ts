// `npm start`: the local stack on this machine, no accounts and no network needed.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { startLocalStack } from './stack.ts'

if (existsSync('.env')) process.loadEnvFile('.env')
const env = process.env

try {
  const stack = await startLocalStack({
    port: Number(env.PORT) || 8787,
    host: env.HOST || '127.0.0.1',
    dataDir: env.BACKCHANNEL_DATA_DIR || path.resolve('.backchannel'),
    env,
    log: (line) => console.log(line),
  })
  console.log(`Backchannel is running at ${stack.url}  (Ctrl-C to stop)`)

  let stopping = false
  const stop = async () => {
    if (stopping) {
      console.log('Stopping at once.')
      process.exit(130)
    }
    stopping = true
    console.log('Stopping Backchannel…')
    await stack.stop()
    console.log('Stopped.')
    process.exit(0)
  }
  // However this process ends (even SIGKILL or a crash), its PostgreSQL stops with it: see
  // startEmbeddedPostgres. These only make Ctrl-C an orderly stop.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, stop)
} catch (error) {
  console.error(`Backchannel could not start: ${error instanceof Error ? error.message : error}`)
  process.exit(1)
}

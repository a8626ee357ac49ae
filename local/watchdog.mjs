// Runs PostgreSQL for one local stack and stops it when that stack goes away, however it goes.
// The stack holds this process's stdin open and never writes to it: when the pipe closes (the
// stack stopped it, exited, crashed or was killed with SIGKILL), PostgreSQL gets a fast shutdown
// and this process exits with it. Plain JavaScript, so it starts without a TypeScript loader.
//
// Usage: node postgres-watchdog.mjs '{"command": ".../postgres", "args": [...], "uid"?, "gid"?}'
import { spawn } from 'node:child_process'

/** How long a fast shutdown may take before PostgreSQL is told to stop at once (SIGQUIT). */
const FAST_SHUTDOWN_MS = 10_000

const { command, args, uid, gid } = JSON.parse(process.argv[2] ?? '{}')
// The stack may already be gone when there is something to say; then there is no one to tell.
process.stderr.on('error', () => {})

// PostgreSQL writes its log to our stderr (the stack reads it) and runs as `uid` when given.
const server = spawn(command, args, { uid, gid, stdio: ['ignore', 'ignore', 'inherit'] })

let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  // SIGINT is PostgreSQL's fast shutdown: sessions end, a checkpoint is written, nothing is lost.
  server.kill('SIGINT')
  setTimeout(() => server.kill('SIGQUIT'), FAST_SHUTDOWN_MS).unref()
}

server.on('error', (error) => {
  process.stderr.write(`could not run ${command}: ${error.message}\n`)
  process.exit(127)
})
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))

process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.on('error', stop)
process.stdin.resume()
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop)

// Runs a server (PostgreSQL for a local stack, PgBouncer for the tests and the bench) and stops
// it when its owner goes away, however it goes. The owner holds this process's stdin open and
// never writes to it: when the pipe closes (the owner stopped it, exited, crashed or was killed
// with SIGKILL), the server is told to shut down and this process exits with it. Plain
// JavaScript, so it starts without a TypeScript loader.
//
// Usage: node watchdog.mjs '{"command": ".../postgres", "args": [...], "cwd"?, "uid"?, "gid"?,
//   "stopSignal"?, "forceSignal"?, "forceAfterMs"?}'
// The defaults are PostgreSQL's: SIGINT (a fast shutdown: sessions end, a checkpoint is written,
// nothing is lost), then SIGQUIT (stop at once) if it takes longer than 10 s.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'

const {
  command,
  args,
  cwd,
  uid,
  gid,
  stopSignal = 'SIGINT',
  forceSignal = 'SIGQUIT',
  forceAfterMs = 10_000,
} = JSON.parse(process.argv[2] ?? '{}')
// The owner may already be gone when there is something to say; then there is no one to tell.
process.stderr.on('error', () => {})

// The server writes its log to our stderr (the owner reads it) and runs as `uid` when given.
const server = spawn(command, args, { cwd, uid, gid, stdio: ['ignore', 2, 'inherit'] })

let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  server.kill(stopSignal)
  setTimeout(() => server.kill(forceSignal), forceAfterMs).unref()
}

server.on('error', (error) => {
  process.stderr.write(`could not run ${command}: ${error.message}\n`)
  process.exit(127)
})
// Its exit code is the server's, or 128 + the signal's number when a signal ended it (as shells
// report it), so the owner can tell a stop from a crash.
server.on('exit', (code, signal) =>
  process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 0)),
)

process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.on('error', stop)
process.stdin.resume()
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop)

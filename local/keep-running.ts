// Starts a server again when it stops or crashes on its own, waiting longer after each quick
// failure, until its owner stops it.

/** A running server as its supervisor sees it. */
export interface SupervisedServer {
  pid: number
  /** Resolves, saying how, once the server has exited, whoever ended it. */
  exited: Promise<string>
  stop(): Promise<void>
}

export interface Backoff {
  /** The wait before the first attempt after an exit. */
  firstMs: number
  /** Each failed attempt doubles the wait, up to this. */
  maxMs: number
  /** A server that ran this long before exiting was healthy: the wait starts again at firstMs. */
  healthyAfterMs: number
}

/** 0.5 s, 1 s, 2 s… up to 10 s between attempts; back to 0.5 s after a minute of running. */
const DEFAULT_BACKOFF: Backoff = { firstMs: 500, maxMs: 10_000, healthyAfterMs: 60_000 }

export interface KeptRunning {
  /** The server running now (the last one started, while a restart is pending). */
  current(): SupervisedServer
  /** Stops the server for good: no restart follows, and one being started is stopped. */
  stop(): Promise<void>
}

/**
 * Watches `first`; when it exits without `stop()`, says so and calls `start` until one starts,
 * waiting `backoff` between attempts. Every step is one line through `log`.
 *
 * @example const postgres = keepRunning(server, { name: 'PostgreSQL', start, log: console.log })
 */
export function keepRunning(
  first: SupervisedServer,
  options: {
    name: string
    start: () => Promise<SupervisedServer>
    log: (line: string) => void
    backoff?: Backoff
  },
): KeptRunning {
  const { name, start, log, backoff = DEFAULT_BACKOFF } = options
  let current = first
  let startedAt = Date.now()
  let delayMs = backoff.firstMs
  let stopping = false
  let restarting: Promise<void> = Promise.resolve()
  let cancelWait = () => {}

  const watch = (server: SupervisedServer) => {
    server.exited.then((how) => {
      if (stopping || server !== current) return
      restarting = restart(server, how)
    })
  }

  // Resolves after `ms`, or at once when stop() cancels it.
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      cancelWait = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  async function restart(gone: SupervisedServer, how: string): Promise<void> {
    if (Date.now() - startedAt >= backoff.healthyAfterMs) delayMs = backoff.firstMs
    log(`${name} (pid ${gone.pid}) ${how}; starting it again in ${seconds(delayMs)}…`)
    for (;;) {
      await wait(delayMs)
      if (stopping) return
      delayMs = Math.min(delayMs * 2, backoff.maxMs)
      let next: SupervisedServer
      try {
        next = await start()
      } catch (error) {
        if (stopping) return
        const reason = error instanceof Error ? error.message : String(error)
        log(`${name} did not start again: ${reason}\nTrying again in ${seconds(delayMs)}…`)
        continue
      }
      if (stopping) {
        await next.stop()
        return
      }
      current = next
      startedAt = Date.now()
      log(`${name} is back (pid ${next.pid}).`)
      watch(next)
      return
    }
  }

  watch(first)
  return {
    current: () => current,
    async stop() {
      stopping = true
      cancelWait()
      // An attempt under way finishes, and stops what it started.
      await restarting
      await current.stop()
    },
  }
}

const seconds = (ms: number) => `${ms / 1000} s`

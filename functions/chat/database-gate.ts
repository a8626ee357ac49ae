import { databaseTimeout, databaseUnavailable, isDatabaseUnavailable } from './errors.ts'

export interface DatabaseGateOptions {
  /** How long a call may take before its caller is answered with DATABASE_TIMEOUT (a 503). */
  timeoutMs: number
  /** A cheap query (`select 1`) that succeeds once the database answers again. */
  probe: () => Promise<unknown>
}

/**
 * Guards calls to a database that may stop answering (a restart, a frozen server or pooler).
 *
 * - A call that takes longer than `timeoutMs` is abandoned, not cancelled: its caller gets
 *   DATABASE_TIMEOUT and the query finishes (or fails) on its own. Cancelling queries from the
 *   client during an outage left postgres.js' pool answering every later query with 57014 long
 *   after the database was back, so nothing here cancels.
 * - Once a call finds the database unavailable, later calls do not queue behind it: each waits
 *   for one shared probe and fails at once with DATABASE_UNAVAILABLE while the probe fails. The
 *   first probe that succeeds opens the gate again. So an outage leaves at most the calls that
 *   were already running, plus one probe, to drain when the database is back.
 *
 * @example const guarded = gate.run(() => sql`select 1`)
 */
export function createDatabaseGate({ timeoutMs, probe }: DatabaseGateOptions) {
  let available = true
  let probing: Promise<boolean> | undefined

  /** One probe at a time; true once the database answers (and the gate is open again). */
  const recovered = () => {
    probing ??= withinDeadline(probe(), timeoutMs)
      .then(
        () => (available = true),
        () => false,
      )
      .finally(() => {
        probing = undefined
      })
    return probing
  }

  return {
    /** Whether the last call (or probe) found the database answering. */
    get available() {
      return available
    },

    /** Runs `call` unless the database is known to be down, and bounds it by the deadline. */
    async run<T>(call: () => Promise<T>): Promise<T> {
      if (!available && !(await recovered())) throw databaseUnavailable()
      try {
        return await withinDeadline(call(), timeoutMs)
      } catch (error) {
        if (isDatabaseUnavailable(error)) available = false
        throw error
      }
    },
  }
}

/**
 * `store` with each of its methods run through `gate`, except those named in `direct` (closing
 * the pool must not wait for the database).
 */
export function gateMethods<Store extends object>(
  store: Store,
  gate: ReturnType<typeof createDatabaseGate>,
  direct: readonly (keyof Store)[] = [],
): Store {
  const gated = { ...store }
  for (const [name, method] of Object.entries(store)) {
    if (typeof method !== 'function' || direct.includes(name as keyof Store)) continue
    Object.assign(gated, {
      [name]: (...args: unknown[]) => gate.run(() => method.apply(store, args)),
    })
  }
  return gated
}

/** `promise`, or DATABASE_TIMEOUT after `ms`; a late outcome of `promise` is dropped, not raised. */
export function withinDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(databaseTimeout(ms)), ms)
  })
  // Abandoned after the deadline: its failure, if any, is no longer anyone's to handle.
  promise.catch(() => {})
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

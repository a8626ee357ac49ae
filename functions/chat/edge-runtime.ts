/**
 * Supabase's Edge Runtime keeps an instance running until each promise given to its documented
 * `EdgeRuntime.waitUntil` settles, so work that goes on after the answer (a record, a live
 * broadcast) is not cut short; elsewhere (Node, plain Deno) there is no such global and the process
 * runs on.
 */
export function keepRunningUntil(work: Promise<void>): void {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil(work: Promise<void>): void } })
    .EdgeRuntime
  runtime?.waitUntil(work)
}

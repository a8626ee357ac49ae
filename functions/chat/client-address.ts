import type { Context } from 'hono'

/** The address of the connection a request came over, as the runtime knows it. */
export type PeerAddress = (c: Context) => string | undefined

/**
 * The address of the client that made a request, for per-address quotas. With `proxyHops` 0 the
 * peer's own address (clients connect directly); behind that many trusted proxies, the entry they
 * appended to `X-Forwarded-For` (counting from the right: entries further left are whatever the
 * client claimed). 'unknown' when neither is known.
 */
export function clientAddress(c: Context, proxyHops: number, peer?: PeerAddress): string {
  if (proxyHops > 0) {
    const forwarded = (c.req.header('X-Forwarded-For') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
    const appended = forwarded[forwarded.length - proxyHops]
    if (appended) return appended.slice(0, 64)
  }
  return peer?.(c) ?? 'unknown'
}

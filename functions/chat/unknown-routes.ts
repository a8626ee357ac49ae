import type { Hono, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { ApiError } from './errors.ts'

interface RouteMethods {
  pattern: RegExp
  methods: Set<string>
}

/**
 * Answers a request that no route of `app` takes before any route middleware runs (so before a
 * token is asked for): 405 `method_not_allowed` with `Allow` when its path has routes for other
 * methods, 404 `not_found` when it has none. Register it with `app.use` before the routes.
 *
 * @example app.use(refuseUnroutable(app, '/chat'))
 */
export function refuseUnroutable(app: Hono, basePath: string): MiddlewareHandler {
  let table: RouteMethods[] | undefined
  return async (c, next) => {
    // Read once the app is complete: every route is registered by its first request.
    table ??= routeMethods(app)
    // Mounted in another app (the local stack serves this one under /functions/v1), paths carry
    // the mount's prefix: this middleware's own route path (`<prefix><basePath>/*`) says which.
    const prefix = routePath(c).slice(0, -`${basePath}/*`.length)
    const path = c.req.path.slice(prefix.length)
    const matching = table.filter((route) => route.pattern.test(path))
    // Every request passes here: the usual case (a route answers) returns before any set is built.
    if (matching.some((route) => route.methods.has(c.req.method))) return next()
    const allowed = new Set(matching.flatMap((route) => [...route.methods]))
    if (allowed.size === 0)
      throw new ApiError(404, 'not_found', 'There is nothing at this address.')
    allowed.add('OPTIONS')
    const methods = [...allowed].sort()
    throw new ApiError(
      405,
      'method_not_allowed',
      `This address answers ${methods.join(', ')}, not ${c.req.method}.`,
      { headers: { Allow: methods.join(', ') } },
    )
  }
}

/** Each route path of `app` with the methods its handlers answer (middleware is `ALL`). */
function routeMethods(app: Hono): RouteMethods[] {
  const byPath = new Map<string, RouteMethods>()
  for (const { method, path } of app.routes) {
    if (method === 'ALL') continue
    const route = byPath.get(path) ?? { pattern: pathPattern(path), methods: new Set<string>() }
    byPath.set(path, route)
    route.methods.add(method)
    // Hono answers HEAD from the GET route.
    if (method === 'GET') route.methods.add('HEAD')
  }
  return [...byPath.values()]
}

/** A route path (`/chat/rooms/:room/messages`) as the regular expression Hono matches it with. */
function pathPattern(path: string): RegExp {
  const segments = path.split('/').map((segment) => {
    if (segment.startsWith(':')) return '[^/]+'
    if (segment === '*') return '.*'
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  })
  return new RegExp(`^${segments.join('/')}$`)
}

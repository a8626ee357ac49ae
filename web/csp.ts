/**
 * The web app's Content-Security-Policy, in one place: injected into the built index.html as a
 * `<meta http-equiv>` (for static hosts, by vite.config.ts) and sent as a header by the local stack
 * (local/stack.ts), which adds what only a header can carry (`frame-ancestors`).
 *
 * Scripts come only from the app's own origin (no inline script, no eval); it talks only to the
 * chat function, the relay (same origin), Storage and, in Daily mode, Daily; files show only from
 * there (and `blob:` previews of files about to be sent); nothing can be embedded with
 * `<object>`, `<base>` cannot redirect relative URLs, and forms post only to the app itself.
 */

/** Where the app's resources come from, as its build and the local stack know them. */
export interface CspSources {
  /** The chat function (VITE_CHAT_API_URL): absolute, or a path on the page's own origin. */
  chatApiUrl?: string
  /** The Supabase project (SUPABASE_URL) whose Storage serves and takes the files. */
  storageUrl?: string
  /** A Daily domain (VITE_DAILY_DOMAIN): the call runs on Daily's servers and CDN. */
  dailyDomain?: string
}

/** Sites allowed to show the app in a frame (the header's `frame-ancestors`); default none. */
export const FRAME_ANCESTORS_ENV = 'CHAT_FRAME_ANCESTORS'

// daily-js loads its call machine bundle from Daily's CDN (c.daily.co) with a script element when
// created with `dailyConfig: { avoidEval: true }` (otherwise it fetches the bundle and runs it with
// Function(), which would need 'unsafe-eval'), and talks to Daily over HTTPS and WebSockets.
const DAILY_SCRIPTS = ['https://*.daily.co']
const DAILY_CONNECT = ['https://*.daily.co', 'wss://*.daily.co']

/**
 * The policy as a header or meta value. A meta tag cannot carry `frame-ancestors`: browsers ignore
 * it there (and warn), so it is in the header only.
 *
 * @example contentSecurityPolicy({ chatApiUrl: 'https://ref.supabase.co/functions/v1/chat' }, 'meta')
 */
export function contentSecurityPolicy(
  sources: CspSources,
  delivery: 'header' | 'meta',
  frameAncestors = "'none'",
): string {
  const daily = Boolean(sources.dailyDomain)
  const remote = unique([originOf(sources.chatApiUrl), originOf(sources.storageUrl)])
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'", ...(daily ? DAILY_SCRIPTS : [])],
    // React sets style attributes through the DOM, which CSP allows; no inline <style> is needed.
    ['style-src', "'self'"],
    ['img-src', "'self'", 'blob:', ...remote],
    ['media-src', "'self'", 'blob:', ...remote],
    // 'self' covers the relay's ws: and wss: on the same origin (CSP Level 3).
    ['connect-src', "'self'", ...remote, ...(daily ? DAILY_CONNECT : [])],
    ['worker-src', "'self'", ...(daily ? ['blob:'] : [])],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
  ]
  if (delivery === 'header') directives.push(['frame-ancestors', frameAncestors])
  return directives.map((directive) => directive.join(' ')).join('; ')
}

/**
 * The sources of CHAT_FRAME_ANCESTORS (space-separated, e.g. `'self' https://intranet.example`), or
 * `'none'` when unset. Throws, naming the variable, on anything that is not a source list, so
 * that nothing can be smuggled into the header.
 */
export function parseFrameAncestors(value: string | undefined): string {
  const sources = (value ?? '').trim().split(/\s+/).filter(Boolean)
  if (sources.length === 0) return "'none'"
  const bad = sources.filter((source) => !FRAME_SOURCE.test(source))
  if (bad.length > 0 || (sources.length > 1 && sources.includes("'none'"))) {
    throw new Error(
      `${FRAME_ANCESTORS_ENV} must list the sites that may frame the app, separated by spaces ('self', 'none', or origins like https://intranet.example); not ${bad.join(' ') || value}.`,
    )
  }
  return sources.join(' ')
}

// 'self', 'none', a scheme (https:), or [scheme://]host[:port] with an optional leading *.
const FRAME_SOURCE =
  /^(?:'self'|'none'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?)$/i

/** The origin of an absolute http(s) URL; nothing for a path on the page's own origin. */
function originOf(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\//i.test(url)) return undefined
  try {
    return new URL(url).origin
  } catch {
    throw new Error(`Not a URL: ${url}`)
  }
}

const unique = (values: (string | undefined)[]) =>
  [...new Set(values)].filter((value): value is string => value !== undefined)

/**
 * The headers the web app's pages and assets are served with besides its Content-Security-Policy
 * (web/csp.ts), in one place. The local stack sends them (local/stack.ts); a static host must send
 * them itself, since none of them works from a meta tag except the referrer policy.
 */

/**
 * Only the origin, and only over HTTPS, leaves the app: a link in a message, Daily, Storage and the
 * function on another origin never see the page's path or query (its `?room=`). It is the
 * browsers' current default, pinned for those with an older one. Not `no-referrer`: the origin is
 * what those sites learn anyway from the `Origin` header of a cross-origin request, and
 * `no-referrer` makes a same-origin POST's `Origin` `null` (Fetch standard), which origin checks
 * (CSRF defences, proxies) read as a foreign request.
 */
export const REFERRER_POLICY = 'strict-origin-when-cross-origin'

// What a Daily call (daily-js's call object, in the page itself) uses: the camera and microphone,
// screen sharing, remote audio playing without a click, a tile's video full screen or in
// picture-in-picture, and the choice of speaker. Allowed to the app's own origin, never to a frame.
const CALL_FEATURES = [
  'camera',
  'microphone',
  'display-capture',
  'autoplay',
  'fullscreen',
  'picture-in-picture',
  'speaker-selection',
]

// Everything else a page could ask for that a chat beside a call never needs. Only names Chromium
// recognises: an unknown one is an error in the console.
const DENIED_FEATURES = [
  'accelerometer',
  'browsing-topics',
  'clipboard-read',
  'clipboard-write',
  'gamepad',
  'geolocation',
  'gyroscope',
  'hid',
  'identity-credentials-get',
  'idle-detection',
  'interest-cohort',
  'local-fonts',
  'magnetometer',
  'midi',
  'otp-credentials',
  'payment',
  'publickey-credentials-create',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'window-management',
  'xr-spatial-tracking',
]

/** The call's features for this origin only; every other listed feature for nobody. */
export const PERMISSIONS_POLICY = [
  ...CALL_FEATURES.map((feature) => `${feature}=(self)`),
  ...DENIED_FEATURES.map((feature) => `${feature}=()`),
].join(', ')

/**
 * The headers of every page and asset of the web app, given its Content-Security-Policy.
 *
 * @example pageSecurityHeaders(contentSecurityPolicy({}, 'header'))
 */
export function pageSecurityHeaders(contentSecurityPolicy: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy,
    // A file is what its Content-Type says: never run as a script or page because it looks like one.
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': REFERRER_POLICY,
    'Permissions-Policy': PERMISSIONS_POLICY,
  }
}

/** Build-time configuration of the web app (Vite's import.meta.env). */

/** Where the chat function lives: same origin in the local stack, a Supabase URL in production. */
export const CHAT_API_URL: string = import.meta.env.VITE_CHAT_API_URL || '/functions/v1/chat'

/** A Daily domain (e.g. `acme.daily.co`) selects Daily; without one, the local relay carries chat. */
export const DAILY_DOMAIN: string | undefined = import.meta.env.VITE_DAILY_DOMAIN || undefined

/** The local stack's relay, on the page's own origin. */
export const relayUrl = (location: Location = window.location) =>
  `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/relay`

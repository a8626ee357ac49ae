/**
 * Where the Backchannel stack runs, fixed at build time: `VITE_BACKCHANNEL_URL` (the tests build
 * with theirs), else `npm start`'s. A real host puts its Supabase project's URL here.
 */
const origin: string = import.meta.env.VITE_BACKCHANNEL_URL || 'http://localhost:8787'

/** The chat function, as deployed to Supabase at `<project>/functions/v1/chat`. */
export const functionUrl = `${origin}/functions/v1/chat`

/** The local stack's stand-in for Daily's live channel. */
export const relayUrl = `${origin.replace(/^http/, 'ws')}/relay`

/**
 * A meeting token from the local stack's open rooms. A Daily app gets the token its backend made
 * for the call (the same one it joins Daily with) instead.
 */
export async function requestToken(room: string, userName: string): Promise<string> {
  const response = await fetch(`${functionUrl}/rooms/${encodeURIComponent(room)}/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userName }),
  })
  const body = await response.json()
  if (!response.ok)
    throw new Error(body?.error?.message ?? `The token request got ${response.status}.`)
  return body.token
}

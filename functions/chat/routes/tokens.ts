import { Hono } from 'hono'
import { createTokenRequestSchema, type TokenResponse } from '../../_shared/protocol.ts'
import { clientAddress } from '../client-address.ts'
import type { ChatDeps } from '../deps.ts'
import { ApiError } from '../errors.ts'
import { requireQuota } from '../quotas.ts'
import { jsonBody, roomParam } from '../request.ts'

/**
 * `POST /rooms/:room/tokens`: anyone may join an open room under a name of their choosing.
 * Mounted at `/rooms/:room/tokens`, the one room address that asks for no token.
 */
export function tokenRoutes({ config, store, tokens, peerAddress }: ChatDeps) {
  return new Hono().post('/', async (c) => {
    const room = roomParam(c)
    if (!config.openRooms) {
      throw new ApiError(
        403,
        'open_rooms_disabled',
        'Joining by name is switched off here. Ask the host for an invitation link.',
      )
    }
    const { userName } = await jsonBody(c, createTokenRequestSchema)
    // Per client address: each token is a new identity, so a per-user quota would mean nothing.
    await requireQuota(
      store,
      'token',
      clientAddress(c, config.proxyHops, peerAddress),
      config.quotas.token,
      'Too many people joined from your network just now',
    )
    const user = { id: crypto.randomUUID(), name: userName }
    const { token, expiresAt } = await tokens.mint(room, user)
    return c.json({ token, expiresAt: expiresAt.toISOString(), user } satisfies TokenResponse, 201)
  })
}

// A person's network, switched off and on as a lost connection would be: for the browser tests
// and the catch-up bench. Chromium's offline emulation fails new connections but leaves an open
// WebSocket silently open (microsoft/playwright#4910), so `setOffline` alone cannot take a live
// connection down; the relay's WebSocket goes through Playwright's mock, which can.
import type { BrowserContext, WebSocketRoute } from 'playwright-core'
import { RELAY_PATH } from '../functions/_shared/relay-protocol.ts'

export interface NetworkSwitch {
  /** Offline: HTTP fails, the relay connection drops, and reconnecting fails until `online`. */
  offline(): Promise<void>
  online(): Promise<void>
  /** When (performance.now()) the page's first relay connection after `online()` was let through. */
  reconnectedAt(): number | undefined
}

/**
 * Puts Playwright's WebSocket mock between the app and the relay (the mock keeps the real
 * connection, made by the page's native WebSocket) so going offline can close it like a lost
 * network would, and refuse reconnections until the network is back. Call before the page opens.
 */
export async function routeRelayThroughSwitch(context: BrowserContext): Promise<NetworkSwitch> {
  let offline = false
  let reconnectedAt: number | undefined
  const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute; dropped: boolean }>()
  await context.routeWebSocket(
    (url) => url.pathname === RELAY_PATH,
    async (pageSide) => {
      if (offline) {
        // What a browser reports when it cannot reach the server: an abnormal closure.
        await pageSide.close({ code: 1006, reason: 'offline' })
        return
      }
      reconnectedAt ??= performance.now()
      const serverSide = pageSide.connectToServer()
      const link = { page: pageSide, server: serverSide, dropped: false }
      open.add(link)
      // Setting these handlers turns off Playwright's own forwarding of a close to the other side.
      pageSide.onClose((code, reason) => {
        open.delete(link)
        if (!link.dropped) void serverSide.close({ code, reason })
      })
      serverSide.onClose((code, reason) => {
        open.delete(link)
        if (!link.dropped) void pageSide.close({ code, reason })
      })
    },
  )
  return {
    async offline() {
      offline = true
      // The real connection runs in the page: under Chromium's offline emulation its closing
      // handshake would never reach the relay, which would only notice at its next heartbeat.
      for (const link of open) {
        // Each side is closed on its own terms, not forwarded: the page may not send 1006.
        link.dropped = true
        // The relay sees the person leave, as it would once a dead connection times out. The
        // page's native WebSocket makes this close, and it only accepts 1000 or 3000-4999.
        await link.server.close({ code: 1000, reason: 'client went offline' })
        // 1006: the connection vanished without a closing handshake, as when the network goes.
        await link.page.close({ code: 1006, reason: 'offline' })
      }
      open.clear()
      await context.setOffline(true)
    },
    async online() {
      reconnectedAt = undefined
      offline = false
      await context.setOffline(false)
    },
    reconnectedAt: () => reconnectedAt,
  }
}

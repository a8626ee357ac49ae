// The room's settings and the live channel against a hostile client, in real Chromium on the whole
// local stack (issue 19, items 3 and 8). Mallory speaks to the relay straight from Node, with a
// real member's token: Daily Prebuilt's chat frames obey the settings like any message, and a
// flood of notices costs a page no reads it should not make.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { newMessageId, type RoomSettings } from '../functions/_shared/protocol.ts'
import {
  chatFunction,
  expectVisible,
  ownerToken,
  type Person,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'
import { connectRaw, type RawClient } from './raw-relay.ts'

/**
 * At most two reads per kind for a burst is exact in the client's tests (web/src/library/engine/
 * notice-merge.test.ts); here frames and answers interleave in real time, so a page may finish a
 * read mid-burst and start another. Far fewer reads than notices is what this file holds.
 */
const MERGED_READS_BELOW = 12
/**
 * Notices of each kind in one flood: four kinds of them fit, with the marker after them, in the
 * relay's burst of 100 frames per connection (more would be the relay's limit, not the page's).
 */
const FLOOD = 24
const DROPPED_BY_SETTINGS = "dropped a live message the room's settings refuse"

const session = setupE2ESession()

/**
 * Saves a room's settings as its owner would (the function checks the token's owner flag), and
 * unless `announce` is false tells the call.
 */
async function saveSettings(
  owner: RawClient,
  room: string,
  settings: RoomSettings,
  announce = true,
) {
  const response = await fetch(`${session.app.url}/functions/v1/chat/rooms/${room}/settings`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${owner.token}` },
    body: JSON.stringify(settings),
  })
  expect(response.status).toBe(200)
  if (announce) owner.send({ v: 1, type: 'settings' })
}

/**
 * Counts the page's reads of the room's settings, pins, reports and changes from now on, once
 * the reads it makes on the way in (settings, pins, its own reports) are done.
 */
async function countReads(page: Page) {
  // From once the page's own reads of the room's state at start are answered: they are no
  // notice's. Waiting for the network to go idle is not enough, because the relay's handshake,
  // which comes before those reads, is WebSocket traffic that Playwright's idle does not count.
  await page.waitForFunction(() =>
    ['settings', 'pins', 'reports'].every((kind) =>
      performance
        .getEntriesByType('resource')
        .some((entry) => new RegExp(`/rooms/[^/]+/${kind}(?:\\?|$)`).test(entry.name)),
    ),
  )
  await page.waitForLoadState('networkidle')
  const reads = { settings: 0, pins: 0, reports: 0, changes: 0 }
  page.on('request', (request) => {
    if (request.method() !== 'GET') return
    const kind = /\/rooms\/[^/]+\/(settings|pins|reports|changes)(?:\?|$)/.exec(request.url())?.[1]
    if (kind) reads[kind as keyof typeof reads] += 1
  })
  return reads
}

/** Every notice kind, `FLOOD` times over, interleaved as a flood would send them. */
function flood(client: RawClient) {
  for (let i = 0; i < FLOOD; i++) {
    client.send({ v: 1, type: 'settings' })
    client.send({ v: 1, type: 'pins' })
    client.send({ v: 1, type: 'changed', id: newMessageId(client.userId) })
    client.send({ v: 1, type: 'reports' })
  }
}

/** A chat message after everything else `client` sent: the relay keeps a connection's order. */
async function marker(client: RawClient, to: Person, text: string) {
  client.send({
    v: 1,
    type: 'chat',
    id: newMessageId(client.userId),
    body: text,
    createdAt: new Date().toISOString(),
  })
  await expectVisible(to.message(text), STEP_MS)
}

const prebuiltChat = (message: string) => ({
  event: 'chat-msg',
  message,
  name: 'Mallory',
  room: 'main-room',
  date: String(Date.now()),
})

/** Resolves once the page has logged `count` live messages dropped under the settings. */
async function droppedBySettings(person: Person, count: number) {
  await expect
    .poll(() => person.console.filter((entry) => entry.text.includes(DROPPED_BY_SETTINGS)).length, {
      timeout: STEP_MS,
    })
    .toBeGreaterThanOrEqual(count)
}

describe('live notices cannot be used to amplify', () => {
  it("a member's flood of settings, pins, changed and reports notices costs a page no read of the settings, pins or reports, and only a few catch-ups", async () => {
    const room = uniqueRoom('flood')
    const ben = await session.join('Ben', room)
    const mallory = await connectRaw(
      session.app.url,
      await chatFunction(session.app.url).tokenFor(room, 'Mallory'),
    )
    try {
      const reads = await countReads(ben.page)
      flood(mallory)
      await marker(mallory, ben, 'after the flood')
      // Only owners send settings and pins notices, and only owners read reports.
      expect(reads).toMatchObject({ settings: 0, pins: 0, reports: 0 })
      // Anyone edits their own messages: `changed` is taken, merged.
      expect(reads.changes).toBeLessThan(MERGED_READS_BELOW)
    } finally {
      mallory.close()
    }
  })

  it("an owner's flood is merged into a few reads of each kind, and the page ends on the settings saved", async () => {
    const room = uniqueRoom('flood-owner')
    const ben = await session.join('Ben', room)
    const host = await connectRaw(session.app.url, await ownerToken(room, 'Host'))
    try {
      const reads = await countReads(ben.page)
      const settings = { send: 'owners', slowModeSeconds: 0, privateMessages: true } as const
      await saveSettings(host, room, settings, false)
      flood(host)
      await marker(host, ben, 'after the owner flood')
      await expectVisible(
        ben.page
          .getByRole('status')
          .filter({ hasText: 'Only owners can send messages in this room right now.' }),
        STEP_MS,
      )
      expect(reads.settings).toBeGreaterThanOrEqual(1)
      expect(reads.settings).toBeLessThan(MERGED_READS_BELOW)
      expect(reads.pins).toBeGreaterThanOrEqual(1)
      expect(reads.pins).toBeLessThan(MERGED_READS_BELOW)
      expect(reads.changes).toBeLessThan(MERGED_READS_BELOW)
      // Ben is no owner: reports are not his to read.
      expect(reads.reports).toBe(0)
    } finally {
      host.close()
    }
  })
})

describe("Daily Prebuilt's chat under the room settings", () => {
  it("shows none of a member's Prebuilt messages while chat is off, and one per slow-mode interval", async () => {
    const room = uniqueRoom('prebuilt')
    const ben = await session.join('Ben', room)
    const host = await connectRaw(session.app.url, await ownerToken(room, 'Host'))
    const mallory = await connectRaw(
      session.app.url,
      await chatFunction(session.app.url).tokenFor(room, 'Mallory'),
    )
    try {
      await saveSettings(host, room, { send: 'nobody', slowModeSeconds: 0, privateMessages: true })
      await expectVisible(
        ben.page.getByRole('status').filter({ hasText: 'Chat is turned off in this room.' }),
        STEP_MS,
      )
      for (let i = 1; i <= 3; i++) mallory.send(prebuiltChat(`prebuilt while off ${i}`))
      await droppedBySettings(ben, 3)
      expect(await ben.messages()).toEqual([])

      await saveSettings(host, room, {
        send: 'everyone',
        slowModeSeconds: 30,
        privateMessages: true,
      })
      await expectVisible(
        ben.page
          .getByRole('status')
          .filter({ hasText: 'Slow mode is on: one message every 30 s.' }),
        STEP_MS,
      )
      for (let i = 1; i <= 5; i++) mallory.send(prebuiltChat(`prebuilt in slow mode ${i}`))
      await droppedBySettings(ben, 3 + 4)
      expect(await ben.messages()).toEqual(['prebuilt in slow mode 1'])
    } finally {
      mallory.close()
      host.close()
    }
  })
})

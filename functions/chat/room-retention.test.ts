// Retention per room, as the upkeep enforces it: each room keeps its chat as its owners chose
// (a number of days, or until the call ends plus a grace period) and rooms on the default keep
// today's behaviour. Runs passes of the real upkeep on a database of its own (a purge acts on
// every room).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChatHarness, ownDatabase, uniqueRoom } from '../../test/chat-harness.ts'
import { DEFAULT_ROOM_SETTINGS, type RoomRetention } from '../_shared/protocol.ts'
import { runUpkeepPass } from './upkeep.ts'

describe('retention per room (chat.purge_by_room_retention, run by every upkeep pass)', () => {
  const database = ownDatabase('room_retention')
  const chat = createChatHarness({}, database.url)
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  const pass = async (retentionDays?: number) => {
    const outcome = await runUpkeepPass({
      databaseUrl: database.url,
      media: chat.deps.media,
      retentionDays,
      actor: 'room retention test',
    })
    if (outcome.kind !== 'done') throw new Error(`upkeep: ${outcome.kind}`)
    return outcome.summary
  }

  /** A room under `retention`, and a way to post in it messages of a given age. */
  async function roomKept(retention: RoomRetention) {
    const room = uniqueRoom('kept')
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const saved = await chat.call('PUT', `/rooms/${room}/settings`, {
      token: host,
      body: { ...DEFAULT_ROOM_SETTINGS, retention },
    })
    expect(saved.status).toBe(200)
    const post = async (body: string, age = '0 seconds', attach = false) => {
      const attachments = attach ? [await chat.uploadFile(room, host)] : []
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token: host,
        body: { id: chat.newIdFor(host), body, attachments },
      })
      expect(response.status).toBe(201)
      const { id } = await response.json()
      await chat.sql`update chat.messages set created_at = now() - ${age}::interval
        where id = ${id}`
      return attachments.map((file) => file.path)
    }
    const bodies = async () =>
      (
        await chat.sql<{ body: string }[]>`
          select body from chat.messages where room = ${room} order by created_at`
      ).map((row) => row.body)
    const callEnded = (ago: string) =>
      chat.sql`select chat.record_call_end(${room}, now() - ${ago}::interval)`
    return { room, post, bodies, callEnded }
  }

  it("a room kept for days loses only what is older, files too, whatever the project's default", async () => {
    const week = await roomKept({ kind: 'days', days: 7 })
    const files = await week.post('last week', '8 days', true)
    await week.post('this week', '6 days')
    const year = await roomKept({ kind: 'days', days: 365 })
    await year.post('two months ago', '60 days')
    await year.post('two years ago', '730 days')

    const summary = await pass(30)
    expect(await week.bodies()).toEqual(['this week'])
    expect(await year.bodies()).toEqual(['two months ago'])
    expect(summary.filesRemoved).toBeGreaterThanOrEqual(1)
    expect(await chat.deps.media.stat(files[0] as string)).toBeUndefined()
  })

  it('a room kept until the call ends loses its chat only once the grace period after the end passed', async () => {
    const call = await roomKept({ kind: 'call', graceMinutes: 15 })
    await call.post('during the call', '40 minutes')
    await pass()
    expect(await call.bodies()).toEqual(['during the call'])

    await call.callEnded('10 minutes')
    await pass()
    expect(await call.bodies()).toEqual(['during the call'])

    // Six minutes later: 16 since the end.
    await chat.sql`update chat.room_calls set ended_at = ended_at - interval '6 minutes'
      where room = ${call.room}`
    await pass()
    expect(await call.bodies()).toEqual([])
  })

  it('a call that resumed (a message after its end, or a new start) keeps its chat', async () => {
    const resumed = await roomKept({ kind: 'call', graceMinutes: 0 })
    await resumed.post('before the break', '2 hours')
    await resumed.callEnded('1 hour')
    await resumed.post('after the break', '30 minutes')
    await pass()
    expect(await resumed.bodies()).toEqual(['before the break', 'after the break'])

    const restarted = await roomKept({ kind: 'call', graceMinutes: 5 })
    await restarted.post('first call', '2 hours')
    await restarted.callEnded('1 hour')
    await chat.sql`select chat.record_call_start(${restarted.room}, now() - interval '50 minutes')`
    await pass()
    expect(await restarted.bodies()).toEqual(['first call'])
  })

  it("rooms on the default keep today's behaviour: only the project's period purges them", async () => {
    const usual = await roomKept({ kind: 'default' })
    await usual.post('ten days ago', '10 days')
    await usual.post('forty days ago', '40 days')
    await usual.callEnded('1 day')
    await pass()
    expect(await usual.bodies()).toEqual(['forty days ago', 'ten days ago'])
    await pass(30)
    expect(await usual.bodies()).toEqual(['ten days ago'])
  })
})

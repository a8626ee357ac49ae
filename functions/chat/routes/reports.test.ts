// Reports, as the people in a room and ops in Studio see them: a report is kept once per person,
// never for one's own message, another room's or a deleted one; ops see open reports in
// chat.reported_messages and resolve them by deleting, blocking or dismissing, each logged.
import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom, userIdOf } from '../../../test/chat-harness.ts'
import {
  MAX_REPORT_REASON_CHARS,
  reportResponseSchema,
  roomReportsSchema,
} from '../../_shared/protocol.ts'

describe('reports', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  async function send(room: string, token: string, body: string): Promise<string> {
    const id = chat.newIdFor(token)
    const response = await chat.call('POST', `/rooms/${room}/messages`, {
      token,
      body: { id, body },
    })
    expect(response.status).toBe(201)
    return id
  }

  const report = (room: string, token: string, id: string, body: unknown) =>
    chat.call('POST', `/rooms/${room}/messages/${id}/reports`, { token, body })

  async function openReports(room: string) {
    return chat.sql<{ message_id: string; reports: number; reasons: string; deleted: boolean }[]>`
      select message_id, reports, reasons, deleted from chat.reported_messages where room = ${room}`
  }

  async function setup() {
    const room = uniqueRoom('report')
    const ana = await chat.tokenFor(room, 'Ana')
    const ben = await chat.tokenFor(room, 'Ben')
    const cy = await chat.tokenFor(room, 'Cy')
    const id = await send(room, ben, 'buy cheap watches at example.com')
    return { room, ana, ben, cy, id }
  }

  it('keeps one report per person, answers a repeat with the first, and shows it to ops', async () => {
    const { room, ana, cy, id } = await setup()
    const first = await report(room, ana, id, { reason: '  spam\n link  ' })
    expect(first.status).toBe(201)
    const answer = reportResponseSchema.parse(await first.json())
    expect(answer.report).toMatchObject({ messageId: id, reason: 'spam link' })

    const again = await report(room, ana, id, { reason: 'really spam' })
    expect(again.status).toBe(200)
    expect(reportResponseSchema.parse(await again.json()).report).toEqual(answer.report)

    expect((await report(room, cy, id, { reason: 'advertising' })).status).toBe(201)
    expect(await openReports(room)).toEqual([
      { message_id: id, reports: 2, reasons: 'Ana: spam link\nCy: advertising', deleted: false },
    ])
  })

  it('tells each person what they reported, and owners which messages have open reports', async () => {
    const { room, ana, cy, id } = await setup()
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const reports = async (token: string) =>
      roomReportsSchema.parse(
        await (await chat.call('GET', `/rooms/${room}/reports`, { token })).json(),
      )
    expect(await reports(ana)).toEqual({ mine: [] })
    await report(room, ana, id, { reason: 'spam' })
    await report(room, cy, id, { reason: 'spam too' })
    expect(await reports(ana)).toEqual({ mine: [id] })
    // Members never see who else reported, or how many.
    expect(Object.keys(await reports(cy))).toEqual(['mine'])
    expect(await reports(host)).toEqual({ mine: [], open: [{ messageId: id, reports: 2 }] })
    await chat.sql`select chat.dismiss_reports(${id}::uuid)`
    expect(await reports(host)).toEqual({ mine: [], open: [] })
    expect(await reports(ana)).toEqual({ mine: [id] })
  })

  it("keeps a private message's report from owners who cannot see it; ops still see it", async () => {
    const { room, ana, ben, cy, id } = await setup()
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const reports = async (token: string) =>
      roomReportsSchema.parse(
        await (await chat.call('GET', `/rooms/${room}/reports`, { token })).json(),
      )
    // A public report first, so the host's list is not empty: only the private one must stay out.
    await report(room, cy, id, { reason: 'spam' })
    const hostBefore = await reports(host)
    expect(hostBefore).toEqual({ mine: [], open: [{ messageId: id, reports: 1 }] })

    const secret = chat.newIdFor(ben)
    const sent = await chat.call('POST', `/rooms/${room}/messages`, {
      token: ben,
      body: { id: secret, body: 'meet me outside', to: userIdOf(ana) },
    })
    expect(sent.status).toBe(201)
    expect((await report(room, ana, secret, { reason: 'creepy' })).status).toBe(201)

    expect(await reports(host)).toEqual(hostBefore)
    expect(await reports(cy)).toEqual({ mine: [id] })
    expect(await reports(ana)).toEqual({ mine: [secret] })
    // Ops in Studio see every report, the private message's included.
    expect((await openReports(room)).map((r) => r.message_id).sort()).toEqual([id, secret].sort())
  })

  it("refuses one's own message (400), another room's or a deleted one (404), and bad reasons", async () => {
    const { room, ana, ben, id } = await setup()
    const own = await expectError(
      await report(room, ben, id, { reason: 'oops' }),
      400,
      'own_message',
    )
    expect(own.message).toMatch(/Edit or delete it instead/)

    const elsewhere = uniqueRoom('other')
    const eve = await chat.tokenFor(elsewhere, 'Eve')
    // Eve names Ana's room's message under her own room: not found there.
    await expectError(await report(elsewhere, eve, id, { reason: 'x' }), 404, 'message_not_found')
    // And she cannot use Ana's room with her token.
    await expectError(await report(room, eve, id, { reason: 'x' }), 403, 'wrong_room')

    const gone = await send(room, ben, 'deleted soon')
    await chat.call('DELETE', `/rooms/${room}/messages/${gone}`, { token: ben })
    await expectError(await report(room, ana, gone, { reason: 'x' }), 404, 'message_not_found')
    await expectError(
      await report(room, ana, chat.newIdFor(ben), { reason: 'x' }),
      404,
      'message_not_found',
    )

    for (const [body, field] of [
      [{}, 'reason'],
      [{ reason: '   ' }, 'reason'],
      [{ reason: 'x'.repeat(MAX_REPORT_REASON_CHARS + 1) }, 'reason'],
      [{ reason: 'bad\u0000byte' }, 'reason'],
      [{ reason: 42 }, 'reason'],
      [{ reason: 'spam', severity: 'high' }, 'severity'],
    ] as const) {
      const error = await expectError(await report(room, ana, id, body), 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toEqual([field])
    }
    await expectError(await report(room, ana, 'not-an-id', { reason: 'x' }), 400, 'invalid_input')
    expect(await openReports(room)).toEqual([])
  })

  it('resolves open reports when ops delete the message, and logs it', async () => {
    const { room, ana, id } = await setup()
    await report(room, ana, id, { reason: 'spam' })
    await chat.sql`update chat.messages set deleted_at = now() where id = ${id}::uuid`
    expect(await openReports(room)).toEqual([])
    const [row] = await chat.sql`
      select resolution, resolved_by, resolved_at is not null as stamped
      from chat.reports where message_id = ${id}::uuid`
    expect(row).toMatchObject({ resolution: 'message_deleted', stamped: true })
    const log = await chat.sql`
      select action, details from chat.moderation_log
      where message_id = ${id}::uuid order by id`
    expect(log.map((entry) => entry.action)).toEqual(['delete_message', 'resolve_report'])
    expect(log[1]?.details).toMatchObject({ resolution: 'message_deleted' })
  })

  it('resolves them when ops block the sender, and dismisses them on request', async () => {
    const { room, ana, cy, id } = await setup()
    const other = await send(room, ana, 'a fine message')
    await report(room, cy, id, { reason: 'spam' })
    await report(room, cy, other, { reason: 'I disagree' })

    const [dismissed] = await chat.sql`select chat.dismiss_reports(${other}::uuid) as n`
    expect(dismissed?.n).toBe(1)
    expect((await openReports(room)).map((r) => r.message_id)).toEqual([id])

    const [spammer] = await chat.sql`select sender_id from chat.messages where id = ${id}::uuid`
    await chat.sql`
      insert into chat.blocked_senders (sender_id, room, reason)
      values (${spammer?.sender_id}, ${room}, 'spam')`
    expect(await openReports(room)).toEqual([])
    const resolutions = await chat.sql`
      select action, details ->> 'resolution' as resolution from chat.moderation_log
      where room = ${room} and action = 'resolve_report' order by id`
    expect(resolutions.map((entry) => entry.resolution)).toEqual(['dismissed', 'sender_blocked'])
  })

  it("keeps the database's rules whoever writes: no report of one's own or a deleted message", async () => {
    const { room, ben, id } = await setup()
    const [author] = await chat.sql`select sender_id from chat.messages where id = ${id}::uuid`
    await expect(
      chat.sql`insert into chat.reports (message_id, reporter_id, reporter_name, reason)
               values (${id}::uuid, ${author?.sender_id}, 'Ben', 'self')`,
    ).rejects.toMatchObject({ code: 'BCROW' })
    const gone = await send(room, ben, 'gone')
    await chat.sql`update chat.messages set deleted_at = now() where id = ${gone}::uuid`
    await expect(
      chat.sql`insert into chat.reports (message_id, reporter_id, reporter_name, reason)
               values (${gone}::uuid, 'someone', 'Someone', 'late')`,
    ).rejects.toMatchObject({ code: 'BCRNF' })
  })
})

import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Attachment } from '../functions/_shared/protocol.ts'
import { createChatHarness, ownDatabase, uniqueRoom } from '../test/chat-harness.ts'
import { runRetention } from './retention.ts'

describe('runRetention', () => {
  // A database of its own: retention purges every room (and every abandoned upload and old quota
  // counter), so other files' rows would change its counts and its log, and lose rows to it.
  const database = ownDatabase('retention')
  const chat = createChatHarness({}, database.url)
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  const retention = () =>
    runRetention({ databaseUrl: database.url, media: chat.deps.media, days: 30 })

  async function member() {
    const room = uniqueRoom('retention')
    const token = await chat.tokenFor(room)
    const post = async (body: string, attachments: Attachment[] = []) => {
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), body, attachments },
      })
      expect(response.status).toBe(201)
      return (await response.json()).id as string
    }
    return { room, token, post }
  }

  const uploadRows = (paths: string[]) =>
    chat.sql<{ path: string }[]>`select path from chat.uploads where path in ${chat.sql(paths)}`

  it('deletes messages past the retention period and their files, and keeps the rest', async () => {
    const { room, token, post } = await member()
    const file = await chat.uploadFile(room, token)
    const old = await post('from long ago', [file])
    const recent = await post('from today')
    await chat.sql`update chat.messages set created_at = now() - interval '40 days'
      where id = ${old}::uuid`
    const [signed] = (
      await (
        await chat.call('POST', `/rooms/${room}/attachments/sign`, {
          token,
          body: { attachments: [file] },
        })
      ).json()
    ).attachments
    expect((await chat.storage(signed.url)).status).toBe(200)

    const result = await retention()

    // Exactly this room's: no other file's rows are in this database.
    expect(result).toEqual({ messages: 1, files: 1 })
    const left = await chat.sql`select id from chat.messages where room = ${room}`
    expect(left.map((row) => row.id)).toEqual([recent])
    expect(await chat.deps.media.stat(file.path)).toBeUndefined()
    expect((await chat.storage(signed.url)).status).toBe(404)
    expect(await chat.sql`select * from chat.media_deletions where path = ${file.path}`).toEqual([])
    // The purged message's upload goes with it: its path is no longer anyone's to sign.
    expect(await uploadRows([file.path])).toEqual([])
    const [logged] = await chat.sql`
      select actor, details from chat.moderation_log
      where action = 'purge_messages' order by id desc limit 1`
    expect(logged).toMatchObject({ actor: 'retention command', details: { retention_days: 30 } })
  })

  it('removes uploads never attached after a day, and keeps younger and sent ones', async () => {
    const { room, token, post } = await member()
    const abandoned = await chat.uploadFile(room, token)
    const fresh = await chat.uploadFile(room, token)
    const sent = await chat.uploadFile(room, token)
    await post('sent long after its upload', [sent])
    await chat.sql`update chat.uploads set created_at = now() - interval '25 hours'
      where path in ${chat.sql([abandoned.path, sent.path])}`
    await chat.sql`update chat.uploads set created_at = now() - interval '23 hours'
      where path = ${fresh.path}`

    const result = await retention()

    expect(result).toEqual({ messages: 0, files: 1 })
    expect(await chat.deps.media.stat(abandoned.path)).toBeUndefined()
    expect(await chat.deps.media.stat(fresh.path)).toMatchObject({ size: fresh.size })
    expect(await chat.deps.media.stat(sent.path)).toMatchObject({ size: sent.size })
    expect(
      (await uploadRows([abandoned.path, fresh.path, sent.path])).map((row) => row.path).sort(),
    ).toEqual([fresh.path, sent.path].sort())
    // What retention removed can no longer be signed or sent.
    const signAbandoned = await chat.call('POST', `/rooms/${room}/attachments/sign`, {
      token,
      body: { attachments: [abandoned] },
    })
    expect(signAbandoned.status).toBe(404)
  })

  it('deletes quota counters of windows that ended more than a day ago', async () => {
    const subject = `retention-${randomUUID()}`
    await chat.sql`
      insert into chat.action_quotas (action, subject, window_start, used) values
        ('upload', ${subject}, now() - interval '3 days', 5),
        ('upload', ${subject}, date_trunc('minute', now()), 2)`

    await retention()

    const left = await chat.sql<{ used: number }[]>`
      select used from chat.action_quotas where subject = ${subject}`
    expect(left).toEqual([{ used: 2 }])
  })
})

import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import type { Attachment } from '../functions/chat/protocol.ts'
import { createChatHarness, uniqueRoom } from '../test/chat-harness.ts'
import { runRetention } from './retention.ts'

describe('runRetention', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  it('deletes messages past the retention period and their files, and keeps the rest', async () => {
    const room = uniqueRoom('retention')
    const token = await chat.tokenFor(room)
    const file = await chat.uploadFile(room, token)
    const post = async (body: string, attachments: Attachment[] = []) => {
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: randomUUID(), body, attachments },
      })
      return (await response.json()).id as string
    }
    const old = await post('from long ago', [file])
    const recent = await post('from today')
    await chat.sql`update public.messages set created_at = now() - interval '40 days'
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

    const result = await runRetention({
      databaseUrl: inject('databaseUrl'),
      media: chat.deps.media,
      days: 30,
    })

    expect(result.messages).toBeGreaterThanOrEqual(1)
    expect(result.files).toBeGreaterThanOrEqual(1)
    const left = await chat.sql`select id from public.messages where room = ${room}`
    expect(left.map((row) => row.id)).toEqual([recent])
    expect(await chat.deps.media.stat(file.path)).toBeUndefined()
    expect((await chat.storage(signed.url)).status).toBe(404)
    expect(await chat.sql`select * from public.media_deletions where path = ${file.path}`).toEqual(
      [],
    )
    const [logged] = await chat.sql`
      select actor, details from public.moderation_log
      where action = 'purge_messages' order by id desc limit 1`
    expect(logged).toMatchObject({ actor: 'retention command', details: { retention_days: 30 } })
  })
})

import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  heldRemovals,
  ownDatabase,
  uniqueRoom,
} from '../../test/chat-harness.ts'
import { startPgBouncer } from '../../test/pgbouncer.ts'
import type { Attachment } from '../_shared/protocol.ts'
import type { MediaStore } from './media-store.ts'
import { runUpkeepPass, type UpkeepPassOptions } from './upkeep.ts'

describe('runUpkeepPass', () => {
  // A database of its own: upkeep purges every room (and every abandoned upload and old quota
  // counter) and empties the whole queue, so other files' rows would change its counts and its
  // log, and lose rows to it.
  const database = ownDatabase('upkeep')
  const chat = createChatHarness({}, database.url)
  beforeAll(() => database.create())
  afterAll(() => chat.close())

  const pass = (options: Partial<UpkeepPassOptions> = {}) =>
    runUpkeepPass({
      databaseUrl: database.url,
      media: chat.deps.media,
      retentionDays: 30,
      actor: 'upkeep test',
      ...options,
    })

  async function member() {
    const room = uniqueRoom('upkeep')
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
  const queued = async () =>
    (await chat.sql<{ path: string }[]>`select path from chat.media_deletions order by path`).map(
      (row) => row.path,
    )
  const stored = async (paths: string[]) =>
    Promise.all(paths.map(async (path) => (await chat.deps.media.stat(path)) !== undefined))

  /** Files uploaded in a new room and never sent, given up a day ago: retention's to remove. */
  async function abandonedFiles(count: number): Promise<string[]> {
    const { room, token } = await member()
    const paths: string[] = []
    for (let index = 0; index < count; index++)
      paths.push((await chat.uploadFile(room, token)).path)
    await chat.sql`update chat.uploads set created_at = now() - interval '25 hours'
      where path in ${chat.sql(paths)}`
    return paths.sort()
  }

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

    const outcome = await pass()

    // Exactly this room's: no other file's rows are in this database.
    expect(outcome).toEqual({
      kind: 'done',
      summary: { messagesPurged: 1, filesRemoved: 1, filesKept: 0, filesLeft: 0 },
    })
    const left = await chat.sql`select id from chat.messages where room = ${room}`
    expect(left.map((row) => row.id)).toEqual([recent])
    expect(await chat.deps.media.stat(file.path)).toBeUndefined()
    expect((await chat.storage(signed.url)).status).toBe(404)
    expect(await queued()).toEqual([])
    // The purged message's upload goes with it: its path is no longer anyone's to sign.
    expect(await uploadRows([file.path])).toEqual([])
    const [logged] = await chat.sql`
      select actor, details from chat.moderation_log
      where action = 'purge_messages' order by id desc limit 1`
    expect(logged).toMatchObject({ actor: 'upkeep test', details: { retention_days: 30 } })
  })

  it('removes the files of a message ops deleted for good in Studio, outside any purge', async () => {
    const { room, token, post } = await member()
    const file = await chat.uploadFile(room, token)
    const id = await post('deleted by hand', [file])

    await chat.sql`delete from chat.messages where id = ${id}::uuid`

    expect(await queued()).toEqual([file.path])
    const outcome = await pass()
    expect(outcome).toMatchObject({ kind: 'done', summary: { filesRemoved: 1, filesLeft: 0 } })
    expect(await chat.deps.media.stat(file.path)).toBeUndefined()
    expect(await queued()).toEqual([])
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

    const outcome = await pass()

    expect(outcome).toMatchObject({ kind: 'done', summary: { messagesPurged: 0, filesRemoved: 1 } })
    expect(await chat.deps.media.stat(abandoned.path)).toBeUndefined()
    expect(await chat.deps.media.stat(fresh.path)).toMatchObject({ size: fresh.size })
    expect(await chat.deps.media.stat(sent.path)).toMatchObject({ size: sent.size })
    expect(
      (await uploadRows([abandoned.path, fresh.path, sent.path])).map((row) => row.path).sort(),
    ).toEqual([fresh.path, sent.path].sort())
    // What upkeep removed can no longer be signed or sent.
    const signAbandoned = await chat.call('POST', `/rooms/${room}/attachments/sign`, {
      token,
      body: { attachments: [abandoned] },
    })
    expect(signAbandoned.status).toBe(404)
  })

  it('deletes quota counters of windows that ended more than a day ago', async () => {
    const subject = `upkeep-${randomUUID()}`
    await chat.sql`
      insert into chat.action_quotas (action, subject, window_start, used) values
        ('upload', ${subject}, now() - interval '3 days', 5),
        ('upload', ${subject}, date_trunc('minute', now()), 2)`

    await pass()

    const left = await chat.sql<{ used: number }[]>`
      select used from chat.action_quotas where subject = ${subject}`
    expect(left).toEqual([{ used: 2 }])
  })

  it('without a retention period purges nothing and still removes the queued files', async () => {
    const { post } = await member()
    const old = await post('old, but no period was given')
    await chat.sql`update chat.messages set created_at = now() - interval '400 days'
      where id = ${old}::uuid`
    const path = `${uniqueRoom('gone')}/${randomUUID()}.png`
    await chat.sql`insert into chat.media_deletions (path) values (${path})`

    const outcome = await pass({ retentionDays: undefined })

    expect(outcome).toEqual({
      kind: 'done',
      summary: { messagesPurged: 0, filesRemoved: 1, filesKept: 0, filesLeft: 0 },
    })
    expect(await chat.sql`select id from chat.messages where id = ${old}::uuid`).toHaveLength(1)
    await chat.sql`delete from chat.messages where id = ${old}::uuid`
  })

  it('never removes a queued file that a message, even a deleted one, still refers to', async () => {
    const { room, token, post } = await member()
    const live = await chat.uploadFile(room, token)
    const deletedOnes = await chat.uploadFile(room, token)
    const pending = await chat.uploadFile(room, token)
    await post('still here', [live])
    const deleted = await post('deleted, and can be restored', [deletedOnes])
    await chat.sql`update chat.messages set deleted_at = now() where id = ${deleted}::uuid`
    // Queued by mistake (by hand, or by a bug): upkeep checks again before it removes anything.
    const paths = [live.path, deletedOnes.path, pending.path]
    await chat.sql`insert into chat.media_deletions (path) select unnest(${paths}::text[])`

    const outcome = await pass()

    expect(outcome).toEqual({
      kind: 'done',
      summary: { messagesPurged: 0, filesRemoved: 0, filesKept: 3, filesLeft: 0 },
    })
    expect(await stored(paths)).toEqual([true, true, true])
    expect(await queued()).toEqual([])
  })

  it('stopped by storage halfway, loses nothing; the next pass removes what is left', async () => {
    const paths = await abandonedFiles(3)
    // Storage that removes the first batch, removes the second and then fails (as if the pass
    // died before it could unqueue them), and never gets to the third.
    const calls: string[][] = []
    const failing: MediaStore = {
      ...chat.deps.media,
      async remove(batch) {
        calls.push([...batch])
        if (calls.length === 1) return chat.deps.media.remove(batch)
        await chat.deps.media.remove(batch)
        throw new Error('storage went away')
      },
    }

    const first = await pass({ media: failing, batchSize: 1 })

    expect(first).toEqual({
      kind: 'storage_failed',
      reason: 'storage went away',
      summary: { messagesPurged: 0, filesRemoved: 1, filesKept: 0, filesLeft: 2 },
    })
    expect(calls).toEqual([[paths[0]], [paths[1]]])
    // The purge stays done: the abandoned uploads are gone for good, their files queued.
    expect(await uploadRows(paths)).toEqual([])
    expect(await queued()).toEqual(paths.slice(1))
    expect(await stored(paths)).toEqual([false, false, true])

    const second = await pass({ batchSize: 1 })

    expect(second).toEqual({
      kind: 'done',
      summary: { messagesPurged: 0, filesRemoved: 2, filesKept: 0, filesLeft: 0 },
    })
    expect(await queued()).toEqual([])
    expect(await stored(paths)).toEqual([false, false, false])
  })

  it('while a pass runs, a second one does nothing and says so; nothing is removed twice', async () => {
    const paths = await abandonedFiles(1)
    const { store: slow, removed: calls, inStorage, release } = heldRemovals(chat.deps.media)

    const first = pass({ media: slow })
    await inStorage
    const second = await pass({ media: slow })
    release()

    expect(second).toEqual({ kind: 'already_running' })
    expect(await first).toEqual({
      kind: 'done',
      summary: { messagesPurged: 0, filesRemoved: 1, filesKept: 0, filesLeft: 0 },
    })
    expect(calls).toEqual([paths])
    // The lock went with the first pass's transaction: the next pass runs.
    expect(await pass()).toMatchObject({ kind: 'done' })
  })

  it('holds its lock through a transaction pooler, where session locks would not survive', async () => {
    const pooler = await startPgBouncer(database.url, { poolSize: 3 })
    try {
      await abandonedFiles(1)
      const { store: slow, inStorage, release } = heldRemovals(chat.deps.media)
      const first = pass({ databaseUrl: pooler.url, media: slow })
      await inStorage
      const second = await pass({ databaseUrl: pooler.url })
      release()

      expect(second).toEqual({ kind: 'already_running' })
      expect(await first).toMatchObject({ kind: 'done', summary: { filesRemoved: 1 } })
    } finally {
      await pooler.stop()
    }
  })
})

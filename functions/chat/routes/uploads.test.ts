import { randomUUID } from 'node:crypto'
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { applyMigrations, MIGRATIONS_DIR } from '../../../local/migrate.ts'
import {
  createChatHarness,
  expectError,
  GENEROUS_QUOTAS,
  PNG_BYTES,
  uniqueRoom,
  userIdOf,
} from '../../../test/chat-harness.ts'
import {
  type Attachment,
  MEDIA_PATH_PATTERN,
  storedMessageSchema,
  uploadResponseSchema,
} from '../../_shared/protocol.ts'

const PDF_BYTES = new TextEncoder().encode('%PDF-1.4\n% a tiny PDF for tests\n%%EOF\n')

describe('media in chat', () => {
  const chat = createChatHarness({ mediaMaxBytes: 64 * 1024 })
  afterAll(() => chat.close())

  async function member(room = uniqueRoom('media')) {
    return { room, token: await chat.tokenFor(room) }
  }

  const requestUpload = (room: string, token: string | undefined, body: unknown) =>
    chat.call('POST', `/rooms/${room}/uploads`, { token, body })

  const post = (room: string, token: string, body: unknown) =>
    chat.call('POST', `/rooms/${room}/messages`, { token, body })

  const remove = (room: string, token: string, id: string) =>
    chat.call('DELETE', `/rooms/${room}/messages/${id}`, { token })

  async function rowCount(room: string) {
    const [row] = await chat.sql<{ n: number }[]>`
      select count(*)::int as n from chat.messages where room = ${room}`
    return row?.n
  }

  describe('POST /rooms/:room/uploads', () => {
    it('answers 201 with a signed PUT URL and a path under the room, with a random id', async () => {
      const { room, token } = await member()
      const response = await requestUpload(room, token, {
        name: 'Screenshot 2030-01-01.png',
        type: 'image/png',
        size: 1234,
        width: 800,
        height: 600,
      })
      expect(response.status).toBe(201)
      const upload = uploadResponseSchema.parse(await response.json())
      expect(upload.method).toBe('PUT')
      expect(upload.path).toMatch(MEDIA_PATH_PATTERN)
      expect(upload.path.startsWith(`${room}/`)).toBe(true)
      expect(upload.path).toMatch(/\.png$/)
      expect(upload.uploadUrl).toContain(
        `/storage/v1/object/upload/sign/chat-media/${upload.path}?`,
      )
      expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now())

      const again = uploadResponseSchema.parse(
        await (
          await requestUpload(room, token, { name: 'a.png', type: 'image/png', size: 1 })
        ).json(),
      )
      expect(again.path).not.toBe(upload.path)
    })

    it.each([
      ['an SVG', { name: 'logo.svg', type: 'image/svg+xml', size: 10 }, 'type'],
      ['HTML', { name: 'page.html', type: 'text/html', size: 10 }, 'type'],
      ['a name with ../', { name: '../../etc/passwd', type: 'text/plain', size: 10 }, 'name'],
      ['a name with a backslash', { name: '..\\secret.txt', type: 'text/plain', size: 10 }, 'name'],
      [
        'a name with a control character',
        { name: 'a\u0000.txt', type: 'text/plain', size: 10 },
        'name',
      ],
      ['an empty file', { name: 'empty.txt', type: 'text/plain', size: 0 }, 'size'],
      ['a fractional size', { name: 'a.txt', type: 'text/plain', size: 1.5 }, 'size'],
      ['an extra field', { name: 'a.txt', type: 'text/plain', size: 1, path: 'x/y' }, 'path'],
    ])('refuses %s with 400 naming the field', async (_label, body, field) => {
      const { room, token } = await member()
      const error = await expectError(await requestUpload(room, token, body), 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toEqual([field])
    })

    it('refuses a file over MEDIA_MAX_BYTES with 413 and the limit in the message', async () => {
      const { room, token } = await member()
      const response = await requestUpload(room, token, {
        name: 'movie.mp4',
        type: 'video/mp4',
        size: 65 * 1024,
      })
      const error = await expectError(response, 413, 'file_too_large')
      expect(error.message).toMatch(/movie\.mp4.*0\.1 MB/)
    })

    it('answers 401 without a token and 403 with a token for another room', async () => {
      const { room } = await member()
      const file = { name: 'a.txt', type: 'text/plain', size: 1 }
      await expectError(await requestUpload(room, undefined, file), 401, 'missing_token')
      const other = await member()
      await expectError(await requestUpload(room, other.token, file), 403, 'wrong_room')
    })
  })

  describe('messages with files', () => {
    it('stores files with the message and returns URLs that read them', async () => {
      const { room, token } = await member()
      const image = await chat.uploadFile(room, token)
      const pdf = await chat.uploadFile(room, token, {
        bytes: PDF_BYTES,
        type: 'application/pdf',
        name: 'Quarterly report.pdf',
      })
      const response = await post(room, token, {
        id: chat.newIdFor(token),
        attachments: [image, pdf],
      })
      expect(response.status).toBe(201)
      const message = storedMessageSchema.parse(await response.json())
      expect(message.body).toBe('')
      expect(message.attachments).toMatchObject([image, pdf])

      const [imageUrl, pdfUrl] = message.attachments.map((file) => file.url)
      const readImage = await chat.storage(imageUrl as string)
      expect(readImage.status).toBe(200)
      expect(new Uint8Array(await readImage.arrayBuffer())).toEqual(PNG_BYTES)
      expect(readImage.headers.get('content-type')).toBe('image/png')
      expect(readImage.headers.get('x-content-type-options')).toBe('nosniff')
      const readPdf = await chat.storage(pdfUrl as string)
      expect(readPdf.headers.get('content-disposition')).toMatch(/^attachment;/)
      expect(new Uint8Array(await readPdf.arrayBuffer())).toEqual(PDF_BYTES)

      // History and the single message carry working URLs too.
      const history = await chat.call('GET', `/rooms/${room}/messages`, { token })
      const [stored] = (await history.json()).messages
      expect(stored.attachments.map((file: { path: string }) => file.path)).toEqual([
        image.path,
        pdf.path,
      ])
      expect((await chat.storage(stored.attachments[1].url)).status).toBe(200)
      const one = await chat.call('GET', `/rooms/${room}/messages/${message.id}`, { token })
      expect((await one.json()).attachments[0].url).toEqual(expect.any(String))
    })

    it('answers a retry with the same files with 200 and the stored message', async () => {
      const { room, token } = await member()
      const image = await chat.uploadFile(room, token)
      const body = { id: chat.newIdFor(token), body: 'look', attachments: [image] }
      expect((await post(room, token, body)).status).toBe(201)
      const retry = await post(room, token, body)
      expect(retry.status).toBe(200)
      expect(await rowCount(room)).toBe(1)
    })

    it("refuses another room's file with 403 and writes nothing", async () => {
      const mine = await member()
      const theirs = await member()
      const file = await chat.uploadFile(theirs.room, theirs.token)
      const response = await post(mine.room, mine.token, {
        id: chat.newIdFor(mine.token),
        attachments: [file],
      })
      await expectError(response, 403, 'file_not_in_room')
      expect(await rowCount(mine.room)).toBe(0)
    })

    it('refuses a file that was never uploaded with 400 and writes nothing', async () => {
      const { room, token } = await member()
      const upload = await (
        await requestUpload(room, token, { name: 'a.png', type: 'image/png', size: 67 })
      ).json()
      const file = { path: upload.path, name: 'a.png', type: 'image/png', size: 67 }
      const response = await post(room, token, { id: chat.newIdFor(token), attachments: [file] })
      const error = await expectError(response, 400, 'file_not_uploaded')
      expect(error.message).toContain('a.png')
      expect(await rowCount(room)).toBe(0)
    })

    it('refuses metadata that does not match the stored file with 400', async () => {
      const { room, token } = await member()
      const image = await chat.uploadFile(room, token)
      for (const lie of [{ size: image.size + 1 }, { type: 'image/jpeg' }]) {
        const response = await post(room, token, {
          id: chat.newIdFor(token),
          attachments: [{ ...image, ...lie }],
        })
        await expectError(response, 400, 'file_mismatch')
      }
      expect(await rowCount(room)).toBe(0)
    })

    it.each([
      ['no text and no files', (id: string) => ({ id, body: '  ', attachments: [] })],
      [
        'eleven files',
        (id: string) => ({
          id,
          attachments: Array.from({ length: 11 }, () => ({
            path: `r/${randomUUID()}.png`,
            name: 'a.png',
            type: 'image/png',
            size: 1,
          })),
        }),
      ],
      [
        'the same file twice',
        (id: string) => {
          const file = { path: `r/${randomUUID()}.png`, name: 'a.png', type: 'image/png', size: 1 }
          return { id, attachments: [file, file] }
        },
      ],
      [
        'a path that is not a storage path',
        (id: string) => ({
          id,
          attachments: [{ path: '../../etc/passwd', name: 'a.png', type: 'image/png', size: 1 }],
        }),
      ],
      [
        'an SVG',
        (id: string) => ({
          id,
          attachments: [
            { path: `r/${randomUUID()}.svg`, name: 'a.svg', type: 'image/svg+xml', size: 1 },
          ],
        }),
      ],
    ])('refuses %s with 400 and writes nothing', async (_label, body) => {
      const { room, token } = await member()
      await expectError(await post(room, token, body(chat.newIdFor(token))), 400, 'invalid_input')
      expect(await rowCount(room)).toBe(0)
    })
  })

  describe('POST /rooms/:room/attachments/sign', () => {
    const sign = (room: string, token: string, attachments: Attachment[]) =>
      chat.call('POST', `/rooms/${room}/attachments/sign`, { token, body: { attachments } })

    it("signs URLs for the room's files announced live", async () => {
      const { room, token } = await member()
      const image = await chat.uploadFile(room, token)
      const response = await chat.call('POST', `/rooms/${room}/attachments/sign`, {
        token,
        body: { attachments: [image] },
      })
      expect(response.status).toBe(200)
      const { attachments } = await response.json()
      expect(attachments).toMatchObject([image])
      expect((await chat.storage(attachments[0].url)).status).toBe(200)
    })

    it("refuses another room's files (403) and callers without a token (401)", async () => {
      const mine = await member()
      const theirs = await member()
      const file = await chat.uploadFile(theirs.room, theirs.token)
      const sign = (token?: string) =>
        chat.call('POST', `/rooms/${mine.room}/attachments/sign`, {
          token,
          body: { attachments: [file] },
        })
      await expectError(await sign(mine.token), 403, 'file_not_in_room')
      await expectError(await sign(), 401, 'missing_token')
    })
    it('withdraws a deleted message’s files: 410 for everyone, no URL handed out', async () => {
      const ana = await member()
      const bo = await member(ana.room)
      const host = await chat.tokenFor(ana.room, 'Host', { owner: true })
      const file = await chat.uploadFile(ana.room, ana.token)
      const sent = await post(ana.room, ana.token, {
        id: chat.newIdFor(ana.token),
        attachments: [file],
      })
      const { id } = await sent.json()
      expect((await sign(ana.room, bo.token, [file])).status).toBe(200)

      expect((await remove(ana.room, ana.token, id)).status).toBe(204)
      for (const token of [bo.token, ana.token, host]) {
        const error = await expectError(await sign(ana.room, token, [file]), 410, 'file_withdrawn')
        expect(error.message).toContain(file.name)
      }
      const one = await chat.call('GET', `/rooms/${ana.room}/messages/${id}`, { token: bo.token })
      await expectError(one, 404, 'message_not_found')
      const history = await (
        await chat.call('GET', `/rooms/${ana.room}/messages`, { token: bo.token })
      ).json()
      expect(history.messages).toEqual([])
    })

    it('signs the files of a message still on its way (granted, not stored yet)', async () => {
      const ana = await member()
      const bo = await member(ana.room)
      const file = await chat.uploadFile(ana.room, ana.token)
      const response = await sign(ana.room, bo.token, [file])
      expect(response.status).toBe(200)
      const [signed] = (await response.json()).attachments
      expect((await chat.storage(signed.url)).status).toBe(200)
    })

    it('answers 404 for a file never granted in this room, and signs none of the batch', async () => {
      const { room, token } = await member()
      const real = await chat.uploadFile(room, token)
      const madeUp = { ...real, path: `${room}/${randomUUID()}.png` }
      const error = await expectError(
        await sign(room, token, [real, madeUp]),
        404,
        'file_not_found',
      )
      expect(error.message).toContain(real.name)
    })
  })

  describe('who may attach a file', () => {
    async function uploadRow(path: string) {
      const [row] = await chat.sql<
        { uploader_id: string; room: string; message_id: string | null }[]
      >`
        select uploader_id, room, message_id from chat.uploads where path = ${path}`
      return row
    }

    const send = (who: { room: string; token: string }, attachments: Attachment[], id?: string) =>
      post(who.room, who.token, { id: id ?? chat.newIdFor(who.token), attachments })

    it('registers each upload to the person it was granted to, not yet sent', async () => {
      const ana = await member()
      const file = await chat.uploadFile(ana.room, ana.token)
      expect(await uploadRow(file.path)).toEqual({
        uploader_id: userIdOf(ana.token),
        room: ana.room,
        message_id: null,
      })
    })

    it("refuses another member's file with 403, writes nothing, and leaves it theirs", async () => {
      const ana = await member()
      const bo = await member(ana.room)
      const file = await chat.uploadFile(ana.room, ana.token)
      const error = await expectError(await send(bo, [file]), 403, 'file_not_yours')
      expect(error.message).toContain(file.name)
      expect(await rowCount(ana.room)).toBe(0)
      expect((await uploadRow(file.path))?.message_id).toBeNull()
      expect((await send(ana, [file])).status).toBe(201)
    })

    it('refuses a file stored without a grant with 403', async () => {
      const ana = await member()
      const file = await chat.uploadFile(ana.room, ana.token)
      await chat.sql`delete from chat.uploads where path = ${file.path}`
      await expectError(await send(ana, [file]), 403, 'file_not_yours')
      expect(await rowCount(ana.room)).toBe(0)
    })

    it('refuses a file already sent with another message (409), and still answers a retry', async () => {
      const ana = await member()
      const file = await chat.uploadFile(ana.room, ana.token)
      const firstId = chat.newIdFor(ana.token)
      expect((await send(ana, [file], firstId)).status).toBe(201)
      const error = await expectError(await send(ana, [file]), 409, 'file_already_sent')
      expect(error.message).toContain(file.name)
      expect((await send(ana, [file], firstId)).status).toBe(200)
      expect(await rowCount(ana.room)).toBe(1)
      expect((await uploadRow(file.path))?.message_id).toBe(firstId)
    })

    it('lets exactly one of two messages sent at once carry a file', async () => {
      const ana = await member()
      const file = await chat.uploadFile(ana.room, ana.token)
      const responses = await Promise.all([send(ana, [file]), send(ana, [file])])
      expect(responses.map((response) => response.status).sort()).toEqual([201, 409])
      expect(await rowCount(ana.room)).toBe(1)
    })

    it('never lets a deleted message’s files be sent again, by anyone', async () => {
      const ana = await member()
      const bo = await member(ana.room)
      const file = await chat.uploadFile(ana.room, ana.token)
      const { id } = await (await send(ana, [file])).json()
      expect((await remove(ana.room, ana.token, id)).status).toBe(204)
      await expectError(await send(bo, [file]), 403, 'file_not_yours')
      await expectError(await send(ana, [file]), 409, 'file_already_sent')
      expect(await rowCount(ana.room)).toBe(1)
    })
  })

  describe('download names', () => {
    it('downloads a file under its sender’s name, ending in its type’s extension', async () => {
      const { room, token } = await member()
      const page = await chat.uploadFile(room, token, {
        bytes: new TextEncoder().encode('<img src=x onerror=alert(1)>'),
        type: 'text/plain',
        name: 'page.html',
      })
      const sent = await post(room, token, { id: chat.newIdFor(token), attachments: [page] })
      const url: string = (await sent.json()).attachments[0].url
      const named = "attachment; filename*=UTF-8''page.html.txt"
      const read = await chat.storage(url)
      expect(read.headers.get('content-type')).toBe('text/plain')
      expect(read.headers.get('content-disposition')).toBe(named)

      // A name put into the URL changes nothing: only the signed name is ever used.
      const tampered = new URL(url)
      tampered.searchParams.set('download', 'evil.html')
      const again = await chat.storage(tampered.href)
      expect(again.status).toBe(200)
      expect(again.headers.get('content-disposition')).toBe(named)
    })
  })
})

describe('the upload quota', () => {
  const upload = { count: 3, windowSeconds: 3600 }
  const chat = createChatHarness({ quotas: { ...GENEROUS_QUOTAS, upload } })
  afterAll(() => chat.close())

  it('refuses uploads past the quota with 429 and Retry-After, per person, granting nothing', async () => {
    const room = uniqueRoom('quota')
    const ana = await chat.tokenFor(room)
    const requestUpload = (token: string) =>
      chat.call('POST', `/rooms/${room}/uploads`, {
        token,
        body: { name: 'a.png', type: 'image/png', size: 10 },
      })
    for (let i = 0; i < upload.count; i++) expect((await requestUpload(ana)).status).toBe(201)

    const refused = await requestUpload(ana)
    const error = await expectError(refused, 429, 'rate_limited')
    expect(error.message).toMatch(/uploading files too quickly \(at most 3 an hour\)/)
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(upload.windowSeconds)
    const [granted] = await chat.sql<{ n: number }[]>`
      select count(*)::int as n from chat.uploads where uploader_id = ${userIdOf(ana)}`
    expect(granted?.n).toBe(upload.count)

    // The quota is each person's own.
    expect((await requestUpload(await chat.tokenFor(room, 'Bo'))).status).toBe(201)
  })
})

describe('the uploads table, as ops see it in Studio', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  it('describes the table and every column, with row level security on', async () => {
    const [table] = await chat.sql<{ comment: string | null; rls: boolean }[]>`
      select obj_description('chat.uploads'::regclass) as comment, relrowsecurity as rls
      from pg_class where oid = 'chat.uploads'::regclass`
    expect(table).toEqual({ comment: expect.stringMatching(/uploader/), rls: true })
    const columns = await chat.sql<{ name: string; comment: string | null }[]>`
      select attname as name, col_description(attrelid, attnum) as comment from pg_attribute
      where attrelid = 'chat.uploads'::regclass and attnum > 0 and not attisdropped`
    expect(columns.map((column) => column.name).sort()).toEqual(
      ['created_at', 'message_id', 'path', 'room', 'uploader_id'].sort(),
    )
    for (const column of columns) expect(column.comment, column.name).toBeTruthy()
  })

  it('registers the files of messages sent before it to their senders, each to its first message', async () => {
    // A database of its own, migrated up to just before the uploads migration.
    const server = new URL(inject('databaseUrl'))
    const name = `uploads_${randomUUID().slice(0, 8)}`
    const admin = postgres(server.href, { max: 1, onnotice: () => {} })
    await admin`create database ${admin(name)}`
    const databaseUrl = Object.assign(new URL(server.href), { pathname: `/${name}` }).href
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
    const before = await mkdtemp(path.join(tmpdir(), 'migrations-'))
    try {
      for (const file of await readdir(MIGRATIONS_DIR)) {
        if (file < '20261202010000')
          await copyFile(path.join(MIGRATIONS_DIR, file), path.join(before, file))
      }
      await applyMigrations(databaseUrl, before)
      const room = 'old-room'
      const file = (id: string) => ({
        path: `${room}/${id}.png`,
        name: 'a.png',
        type: 'image/png',
        size: 1,
      })
      const [first, second] = [file(randomUUID()), file(randomUUID())]
      const [ana, bo] = [randomUUID(), randomUUID()]
      // The messages table is public's until the chat schema migration moves it.
      const insert = (
        id: string,
        sender: string,
        attachments: unknown[],
        table = 'public.messages',
      ) => sql`
        insert into ${sql(table)} (id, room, sender_id, sender_name, body, attachments)
        values (${id}, ${room}, ${sender}, 'Someone', 'files', ${sql.json(attachments as postgres.JSONValue)})`
      const [anaMessage, boCopy] = [randomUUID(), randomUUID()]
      await insert(anaMessage, ana, [first, second])
      // Earlier versions let another member attach the same file again.
      await insert(boCopy, bo, [first])

      await applyMigrations(databaseUrl)

      const rows = await sql`select path, room, uploader_id, message_id from chat.uploads`
      expect(rows).toHaveLength(2)
      expect(rows).toEqual(
        expect.arrayContaining(
          [first, second].map((f) => ({
            path: f.path,
            room,
            uploader_id: ana,
            message_id: anaMessage,
          })),
        ),
      )
      await expect(insert(randomUUID(), ana, [second], 'chat.messages')).rejects.toMatchObject({
        code: 'BCFSN',
      })
    } finally {
      await sql.end()
      await admin`drop database ${admin(name)} with (force)`
      await admin.end()
      await rm(before, { recursive: true, force: true })
    }
  })
})

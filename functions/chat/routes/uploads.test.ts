import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createChatHarness,
  expectError,
  PNG_BYTES,
  uniqueRoom,
} from '../../../test/chat-harness.ts'
import { MEDIA_PATH_PATTERN, storedMessageSchema, uploadResponseSchema } from '../protocol.ts'

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

  async function rowCount(room: string) {
    const [row] = await chat.sql<{ n: number }[]>`
      select count(*)::int as n from public.messages where room = ${room}`
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
      const response = await post(room, token, { id: randomUUID(), attachments: [image, pdf] })
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
      const body = { id: randomUUID(), body: 'look', attachments: [image] }
      expect((await post(room, token, body)).status).toBe(201)
      const retry = await post(room, token, body)
      expect(retry.status).toBe(200)
      expect(await rowCount(room)).toBe(1)
    })

    it("refuses another room's file with 403 and writes nothing", async () => {
      const mine = await member()
      const theirs = await member()
      const file = await chat.uploadFile(theirs.room, theirs.token)
      const response = await post(mine.room, mine.token, { id: randomUUID(), attachments: [file] })
      await expectError(response, 403, 'file_not_in_room')
      expect(await rowCount(mine.room)).toBe(0)
    })

    it('refuses a file that was never uploaded with 400 and writes nothing', async () => {
      const { room, token } = await member()
      const upload = await (
        await requestUpload(room, token, { name: 'a.png', type: 'image/png', size: 67 })
      ).json()
      const file = { path: upload.path, name: 'a.png', type: 'image/png', size: 67 }
      const response = await post(room, token, { id: randomUUID(), attachments: [file] })
      const error = await expectError(response, 400, 'file_not_uploaded')
      expect(error.message).toContain('a.png')
      expect(await rowCount(room)).toBe(0)
    })

    it('refuses metadata that does not match the stored file with 400', async () => {
      const { room, token } = await member()
      const image = await chat.uploadFile(room, token)
      for (const lie of [{ size: image.size + 1 }, { type: 'image/jpeg' }]) {
        const response = await post(room, token, {
          id: randomUUID(),
          attachments: [{ ...image, ...lie }],
        })
        await expectError(response, 400, 'file_mismatch')
      }
      expect(await rowCount(room)).toBe(0)
    })

    it.each([
      ['no text and no files', () => ({ id: randomUUID(), body: '  ', attachments: [] })],
      [
        'eleven files',
        () => ({
          id: randomUUID(),
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
        () => {
          const file = { path: `r/${randomUUID()}.png`, name: 'a.png', type: 'image/png', size: 1 }
          return { id: randomUUID(), attachments: [file, file] }
        },
      ],
      [
        'a path that is not a storage path',
        () => ({
          id: randomUUID(),
          attachments: [{ path: '../../etc/passwd', name: 'a.png', type: 'image/png', size: 1 }],
        }),
      ],
      [
        'an SVG',
        () => ({
          id: randomUUID(),
          attachments: [
            { path: `r/${randomUUID()}.svg`, name: 'a.svg', type: 'image/svg+xml', size: 1 },
          ],
        }),
      ],
    ])('refuses %s with 400 and writes nothing', async (_label, body) => {
      const { room, token } = await member()
      await expectError(await post(room, token, body()), 400, 'invalid_input')
      expect(await rowCount(room)).toBe(0)
    })
  })

  describe('POST /rooms/:room/attachments/sign', () => {
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
  })
})

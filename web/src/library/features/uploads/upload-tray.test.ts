import { type Attachment, MAX_ATTACHMENTS } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import type { UploadableFile } from './upload-file.ts'
import { UploadTray } from './upload-tray.ts'

/** An upload the test finishes, fails or watches being cancelled. */
interface Upload {
  file: UploadableFile
  signal: AbortSignal
  progress: (fraction: number) => void
  finish: () => void
  fail: (error: Error) => void
}

const png = (name = 'photo.png', size = 2048) =>
  new File([new Uint8Array(size)], name, { type: 'image/png' })

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

function setup() {
  const uploads: Upload[] = []
  const created: string[] = []
  const revoked: string[] = []
  const tray = new UploadTray({
    api: { route: () => Promise.reject(new Error('not used')) },
    measure: async () => ({ width: 640, height: 480 }),
    objectUrls: {
      create: () => {
        const url = `blob:preview-${created.length + 1}`
        created.push(url)
        return url
      },
      revoke: (url) => revoked.push(url),
    },
    upload: (file, { signal, onProgress }) =>
      new Promise<Attachment>((resolve, reject) => {
        signal.addEventListener('abort', () =>
          reject(new DOMException('The upload was cancelled.', 'AbortError')),
        )
        const { body: _bytes, ...metadata } = file
        uploads.push({
          file,
          signal,
          progress: onProgress,
          finish: () =>
            resolve({ ...metadata, type: 'image/png', path: `standup/${crypto.randomUUID()}.png` }),
          fail: reject,
        })
      }),
  })
  return { tray, uploads, created, revoked, files: () => tray.getSnapshot().files }
}

describe('UploadTray', () => {
  it('uploads each file at once, measured, with a preview, and is busy until it is done', async () => {
    const { tray, uploads, files } = setup()

    tray.add([png()])
    await settle()

    expect(files()).toMatchObject([
      { name: 'photo.png', state: 'uploading', progress: 0, preview: 'blob:preview-1' },
    ])
    expect(tray.getSnapshot().busy).toBe(true)
    expect(uploads[0]?.file).toMatchObject({ name: 'photo.png', width: 640, height: 480 })

    uploads[0]?.finish()
    await settle()

    expect(files()).toMatchObject([{ state: 'done', progress: 1 }])
    expect(tray.getSnapshot().busy).toBe(false)
    expect(tray.getSnapshot().ready).toEqual([
      { attachment: expect.objectContaining({ name: 'photo.png' }), preview: 'blob:preview-1' },
    ])
  })

  it('reports progress once per whole percent', async () => {
    const { tray, uploads } = setup()
    tray.add([png()])
    await settle()
    let changes = 0
    tray.subscribe(() => changes++)

    uploads[0]?.progress(0.101)
    uploads[0]?.progress(0.104)
    uploads[0]?.progress(0.109)
    uploads[0]?.progress(0.2)

    expect(changes).toBe(2)
    expect(tray.getSnapshot().files[0]?.progress).toBe(0.2)
  })

  it('refuses a file it may not share, saying why, without uploading it or making a URL', async () => {
    const { tray, uploads, created, files } = setup()

    tray.add([new File(['<svg/>'], 'diagram.svg', { type: 'image/svg+xml' })])
    await settle()

    expect(files()).toMatchObject([
      { name: 'diagram.svg', state: 'failed', error: expect.stringMatching(/SVG/) },
    ])
    expect(uploads).toEqual([])
    expect(created).toEqual([])
  })

  it(`takes at most ${MAX_ATTACHMENTS} files; a failed upload frees its place`, async () => {
    const { tray, uploads, files } = setup()
    tray.add(Array.from({ length: MAX_ATTACHMENTS }, (_, i) => png(`p${i}.png`)))
    await settle()

    tray.add([png('one-too-many.png')])
    expect(files().at(-1)).toMatchObject({
      state: 'failed',
      error: `one-too-many.png: a message carries at most ${MAX_ATTACHMENTS} files.`,
    })

    uploads[0]?.fail(new Error('Storage refused the file.'))
    await settle()
    expect(files()[0]).toMatchObject({ state: 'failed', error: 'Storage refused the file.' })
    tray.add([png('now-fits.png')])
    expect(files().at(-1)).toMatchObject({ name: 'now-fits.png', state: 'uploading' })
  })

  it('removing a file stops its upload and lets its preview go', async () => {
    const { tray, uploads, revoked, files } = setup()
    tray.add([png()])
    await settle()

    tray.remove(files()[0]?.id as string)
    await settle()

    expect(uploads[0]?.signal.aborted).toBe(true)
    expect(revoked).toEqual(['blob:preview-1'])
    expect(files()).toEqual([])
  })

  it("clearing after a send keeps the sent files' previews until dispose, and drops the rest", async () => {
    const { tray, uploads, revoked, files } = setup()
    tray.add([png('sent.png'), png('still-uploading.png')])
    await settle()
    uploads[0]?.finish()
    await settle()

    tray.clear()

    expect(files()).toEqual([])
    expect(uploads[1]?.signal.aborted).toBe(true)
    expect(revoked).toEqual(['blob:preview-2'])

    tray.dispose()
    expect(revoked).toEqual(['blob:preview-2', 'blob:preview-1'])
  })

  it('dispose stops every upload and leaves the tray empty and usable', async () => {
    const { tray, uploads, revoked, files } = setup()
    tray.add([png()])
    await settle()

    tray.dispose()
    await settle()
    expect(uploads[0]?.signal.aborted).toBe(true)
    expect(revoked).toEqual(['blob:preview-1'])
    expect(files()).toEqual([])

    tray.add([png('again.png')])
    expect(files()).toMatchObject([{ name: 'again.png', state: 'uploading' }])
  })

  it('keeps the same snapshot while nothing changes', async () => {
    const { tray } = setup()
    tray.add([png()])
    const before = tray.getSnapshot()
    await settle()

    expect(tray.getSnapshot()).toBe(before)
  })
})

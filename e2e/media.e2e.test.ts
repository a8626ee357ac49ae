// Sharing files as people do: attach, watch the upload, send; others see and download them.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { expectVisible, setupE2ESession, uniqueRoom } from './browser.ts'

const session = setupE2ESession()

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')

/** A PNG of noise, so it is large enough (about 180 KB) for an upload to take a moment. */
async function noisyPng(page: Page, width: number, height: number): Promise<Buffer> {
  const base64 = await page.evaluate(
    ({ w, h }) => {
      const canvas = document.createElement('canvas')
      canvas.width = w
      canvas.height = h
      const context = canvas.getContext('2d') as CanvasRenderingContext2D
      const pixels = context.createImageData(w, h)
      for (let i = 0; i < pixels.data.length; i++) {
        pixels.data[i] = i % 4 === 3 ? 255 : Math.floor(Math.random() * 256)
      }
      context.putImageData(pixels, 0, 0)
      return canvas.toDataURL('image/png').split(',')[1] as string
    },
    { w: width, h: height },
  )
  return Buffer.from(base64, 'base64')
}

it('shares an image and a PDF: progress, the right size, a download, and history', async () => {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)
  const png = await noisyPng(ana.page, 320, 200)

  // A slow uplink, so the upload's progress can be seen.
  const cdp = await ana.context.newCDPSession(ana.page)
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 64 * 1024,
  })
  await ana.page.locator('input[type=file]').setInputFiles([
    { name: 'photo.png', mimeType: 'image/png', buffer: png },
    { name: 'notes.pdf', mimeType: 'application/pdf', buffer: PDF },
  ])
  const progress = ana.page.getByRole('progressbar', { name: 'Uploading photo.png' })
  await expectVisible(progress)
  expect(Number(await progress.getAttribute('value'))).toBeLessThan(1)
  await expectVisible(ana.page.getByText(/^\d{1,2}%$/).first())
  expect(await ana.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true)

  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  })
  await expect
    .poll(() => ana.page.getByRole('button', { name: 'Send' }).isDisabled(), { timeout: 15_000 })
    .toBe(false)
  await ana.send('The slides and a picture')
  await ana.allSaved()

  // Ben sees the image in a box of its own shape, and the PDF as a download.
  await expectVisible(ben.message('The slides and a picture'))
  const image = ben.log.getByRole('img', { name: 'photo.png' })
  await expectVisible(image)
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBe(320)
  const box = await image.boundingBox()
  expect(box && box.width / box.height).toBeCloseTo(320 / 200, 1)

  const link = ben.log.getByRole('link', { name: /notes\.pdf/ })
  await expectVisible(link)
  const [download] = await Promise.all([ben.page.waitForEvent('download'), link.click()])
  expect(download.suggestedFilename()).toBe('notes.pdf')
  expect(await readFile((await download.path()) as string)).toEqual(PDF)

  // Someone who joins later finds both in the history.
  const cyd = await session.join('Cyd', room)
  await expectVisible(cyd.log.getByRole('img', { name: 'photo.png' }))
  await expectVisible(cyd.log.getByRole('link', { name: /notes\.pdf/ }))
  expect(ana.problems()).toEqual([])
}, 60_000)

it('refuses an SVG and an oversized file with a message, before any upload', async () => {
  const ana = await session.join('Ana', uniqueRoom())
  const uploads: string[] = []
  ana.page.on('request', (request) => {
    if (request.url().includes('/uploads')) uploads.push(request.url())
  })
  // 26 MB from disk: the browser reads it by path (as a dropped file), where a buffer would have
  // to cross the DevTools protocol as base64 first, which takes seconds on a busy machine.
  const dir = await mkdtemp(path.join(tmpdir(), 'backchannel-media-'))
  const movie = path.join(dir, 'movie.mp4')
  const diagram = path.join(dir, 'diagram.svg')
  await writeFile(movie, Buffer.alloc(26 * 1024 * 1024))
  await writeFile(diagram, '<svg/>')
  try {
    // Both at once, as a person picks them; the type comes from the name, as in a browser.
    await ana.page.locator('input[type=file]').setInputFiles([diagram, movie])
    const alerts = ana.page.getByRole('alert')
    await expect
      .poll(() => alerts.allTextContents())
      .toEqual([
        expect.stringMatching(/diagram\.svg.*SVG files cannot be shared/),
        expect.stringMatching(/movie\.mp4.*25 MB/),
      ])
    expect(uploads).toEqual([])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

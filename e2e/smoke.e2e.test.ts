// Proves the browser test setup itself: the local stack serves the built SPA, Chromium loads it,
// and the page reaches the chat function on the same origin.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { expectVisible, launchBrowser, type RunningApp, startApp } from './browser.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => {
  app = await startApp()
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

it('serves the app to Chromium, which reaches the chat function on the same origin', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (entry) => {
      if (entry.type() === 'error') errors.push(entry.text())
    })

    // startApp listens on port 0: the URL must carry the port the OS picked.
    expect(new URL(app.url).port).not.toMatch(/^0?$/)
    await page.goto(`${app.url}/`)

    await expectVisible(page.getByRole('heading', { name: 'Backchannel' }))
    // Asked from the page, so it proves the origin, the function and its database together,
    // whatever the first screen shows.
    const health = await page.evaluate(async () => {
      const response = await fetch('/functions/v1/chat/health')
      return { status: response.status, body: await response.json() }
    })
    expect(health).toEqual({ status: 200, body: { ok: true } })
    expect(errors).toEqual([])
  } finally {
    await context.close()
  }
})

// The web app's defences as a browser sees them: its Content-Security-Policy blocks script that got
// into the page while the app goes on working, two people of one name are told apart, and a link
// never reads as a host it does not open.
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { expectVisible, STEP_MS, setupE2ESession, uniqueRoom } from './browser.ts'

const LIVE_MS = STEP_MS

const session = setupE2ESession()

interface Violation {
  directive: string
  blocked: string
}

/** Records the page's CSP violations from its first script on (an init script is not subject to CSP). */
async function recordViolations(page: Page) {
  await page.addInitScript(() => {
    const seen: { directive: string; blocked: string }[] = []
    Object.assign(window, { __violations: seen })
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI })
    })
  })
  return () =>
    page.evaluate(() => (window as unknown as { __violations: Violation[] }).__violations)
}

it('serves the app with a Content-Security-Policy that blocks injected script, and the app works', async () => {
  const room = uniqueRoom()
  const context = await session.browser.newContext()
  try {
    const page = await context.newPage()
    const violations = await recordViolations(page)
    const response = await page.goto(`${session.app.url}/?room=${room}`)
    const header = response?.headers()['content-security-policy'] ?? ''
    const directives = new Map(
      header.split(';').map((directive) => {
        const [name = '', ...sources] = directive.trim().split(/\s+/)
        return [name, sources]
      }),
    )
    expect(directives.get('script-src')).toEqual(["'self'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('base-uri')).toEqual(["'self'"])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(directives.get('connect-src')).toContain("'self'")
    // For static hosts, the built page carries the same policy (but frame-ancestors) itself.
    const meta = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content')
    expect(meta).toBe(header.replace(/; frame-ancestors [^;]+$/, ''))
    // And the referrer policy, the one other page header that works from a meta tag.
    const referrer = await page.locator('meta[name="referrer"]').getAttribute('content')
    expect(referrer).toBe('strict-origin-when-cross-origin')

    // Script that got into the page, as markup would bring it: none of it runs.
    await page.evaluate(() => {
      const script = document.createElement('script')
      script.textContent = 'window.__inline = true'
      document.body.append(script)
      const holder = document.createElement('div')
      holder.innerHTML = '<img src="data:," onerror="window.__handler = true">'
      document.body.append(holder)
      const remote = document.createElement('script')
      remote.src = 'http://127.0.0.1:9/evil.js'
      document.body.append(remote)
    })
    // The browser reports refusing each of the three (no sleep: its reports are the events)...
    await expect.poll(violations, { timeout: STEP_MS }).toEqual(
      expect.arrayContaining([
        { directive: 'script-src-elem', blocked: 'inline' },
        { directive: 'script-src-attr', blocked: 'inline' },
        { directive: 'script-src-elem', blocked: 'http://127.0.0.1:9/evil.js' },
      ]),
    )
    // ...and none of them ran.
    const ran = await page.evaluate(() => {
      const flags = window as unknown as Record<string, unknown>
      return { inline: flags.__inline, handler: flags.__handler }
    })
    expect(ran).toEqual({ inline: undefined, handler: undefined })
  } finally {
    await context.close()
  }

  // The app itself needs nothing the policy refuses: joining, chatting, both ways.
  const ana = await session.join('Ana', room)
  const anaViolations = await recordViolations(ana.page)
  await ana.page.reload()
  await ana.log.waitFor({ state: 'visible' })
  const ben = await session.join('Ben', room)
  await ana.send('hello under a strict policy')
  await expectVisible(ben.message('hello under a strict policy'), LIVE_MS)
  await ben.send('and back')
  await expectVisible(ana.message('and back'), LIVE_MS)
  await ana.allSaved()
  // Nothing the app itself does is refused (zod runs jitless, so it never probes for eval).
  expect(await anaViolations()).toEqual([])
  for (const person of [ana, ben]) expect(person.problems(), person.name).toEqual([])
}, 30_000)

it('tells two people called Ana apart, in the participant list and on their messages', async () => {
  const room = uniqueRoom()
  const ben = await session.join('Ben', room)
  const first = await session.join('Ana', room)
  const participants = ben.page.getByRole('list', { name: 'Participants' })
  await expectVisible(participants.getByText('Ana', { exact: true }), LIVE_MS)
  const second = await session.join('Ana', room)
  await expectVisible(participants.getByText('Ana (2)', { exact: true }), LIVE_MS)

  await first.send('I am the first Ana')
  await second.send('I am the other one')
  const row = (text: string) =>
    ben.log.locator('.bc-message').filter({ hasText: text }).locator('.bc-message-sender')
  await expectVisible(ben.message('I am the other one'), LIVE_MS)
  expect(await row('I am the first Ana').textContent()).toBe('Ana')
  expect(await row('I am the other one').textContent()).toBe('Ana (2)')
  for (const person of [ben, first, second]) expect(person.problems(), person.name).toEqual([])
})

it('shows the host a link with a user name really opens', async () => {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)
  await ana.send('your bank: http://127.0.0.1@evil.example/login')
  const link = ben.log.getByRole('link')
  await expectVisible(link, LIVE_MS)
  expect(await link.textContent()).toBe('http://evil.example/login')
  expect(await link.getAttribute('href')).toBe('http://evil.example/login')
  expect(await ben.log.getByText('127.0.0.1').count()).toBe(0)
})

// The column's styles are in the cascade layer `backchannel`: a rule of the host's page wins over
// them whatever its specificity, without !important. Real Chromium, the whole local stack.
import { expect, it } from 'vitest'
import { setupE2ESession, uniqueRoom } from './browser.ts'

const session = setupE2ESession()

it("a host's plain rule restyles the column's parts over more specific rules of its own", async () => {
  const ana = await session.join('Ana', uniqueRoom())
  const send = ana.page.getByRole('button', { name: 'Send', exact: true })
  const attach = ana.page.getByRole('button', { name: 'Attach file', exact: true })
  const look = async () => ({
    send: await send.evaluate((button) => getComputedStyle(button).borderRadius),
    attach: await attach.evaluate((button) => getComputedStyle(button).backgroundColor),
  })
  expect(await look()).toEqual({ send: '6px', attach: 'rgba(0, 0, 0, 0)' })

  // Bare element rules: less specific than the column's `.backchannel button` (the radius) and
  // `.backchannel .bc-composer-icon` (the icon button's transparent background).
  // (A constructed sheet: the page's Content-Security-Policy refuses inline <style>.)
  await ana.page.evaluate(() => {
    const host = new CSSStyleSheet()
    host.replaceSync('button { border-radius: 0; background: rgb(1, 2, 3) }')
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, host]
  })
  expect(await look()).toEqual({ send: '0px', attach: 'rgb(1, 2, 3)' })
})

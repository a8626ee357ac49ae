// axe-core's accessibility rules, run inside a page as people's assistive technology would meet
// it. The rules' source is evaluated over the DevTools protocol, which the page's
// Content-Security-Policy (no inline scripts) does not govern.
import axe from 'axe-core'
import type { Page } from 'playwright-core'

/** What axe finds wrong in `page` (within `selector`, default the whole page): id, impact, nodes. */
export async function accessibilityViolations(page: Page, selector?: string) {
  await page.evaluate(axe.source)
  return page.evaluate(async (within) => {
    const checker = (window as unknown as { axe: typeof axe }).axe
    const result = await checker.run(within ? { include: [within] } : document, {
      resultTypes: ['violations'],
    })
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    }))
  }, selector)
}

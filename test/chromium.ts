// Finds the Chromium the browser tests drive with playwright-core. `npx playwright install` needs
// Playwright's CDN, which this project cannot count on, so we use the distribution's Chromium.
import { existsSync } from 'node:fs'
import { installDebianPackage } from './debian-package.ts'

const DEBIAN_CHROMIUM = '/usr/bin/chromium'

const INSTALL_HINT =
  "Browser tests need Chromium: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable."

/**
 * The path of the Chromium executable for the e2e tests. Installs Debian's package when it can
 * (root on Debian); otherwise it throws, so the browser tests fail loudly instead of being skipped.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const configured = env.CHROMIUM_PATH
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(`CHROMIUM_PATH is set to ${configured}, which does not exist.`)
    }
    return configured
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM

  await installDebianPackage(
    'chromium',
    { reason: 'Browser tests need Chromium', hint: INSTALL_HINT },
    env,
  )
  if (!existsSync(DEBIAN_CHROMIUM)) {
    throw new Error(
      `apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing.\n${INSTALL_HINT}`,
    )
  }
  return DEBIAN_CHROMIUM
}

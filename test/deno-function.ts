// The chat function as Supabase runs it: functions/chat/index.ts on Deno (the npm package's binary),
// deno.json its import map. For the Deno tests and the bench's server part.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { freePort } from '../local/embedded-postgres.ts'

const FUNCTION_DIR = path.resolve(import.meta.dirname, '../functions/chat')
const DENO = path.resolve(import.meta.dirname, '../node_modules/.bin/deno')

export interface DenoFunction {
  /** The function's base URL, e.g. http://127.0.0.1:5123/chat. */
  url: string
  /** The process's exit code, or null while it runs. */
  readonly exitCode: number | null
  stop(): Promise<void>
}

/**
 * Starts the function on a free port of 127.0.0.1 with this process's environment and `env` over
 * it (the whole environment, so that Deno finds certificates and proxies to fetch npm packages),
 * and resolves once Deno.serve listens. Storage is not reached unless `env` says where: by default
 * it is a port nothing listens on. What the function prints after it listens (its request log) is
 * read and dropped, so that a full pipe never holds it up.
 *
 * @example const chat = await startDenoFunction({ SUPABASE_DB_URL: url, DAILY_API_KEY: key })
 */
export async function startDenoFunction(env: Record<string, string>): Promise<DenoFunction> {
  const port = await freePort()
  const child = spawn(
    DENO,
    ['run', '--allow-net', '--allow-env', '--config', 'deno.json', 'index.ts'],
    {
      cwd: FUNCTION_DIR,
      env: {
        ...process.env,
        NO_COLOR: '1',
        DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
        SUPABASE_URL: 'http://127.0.0.1:9',
        SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-for-tests',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let output = ''
  await new Promise<void>((resolve, reject) => {
    // Deno.serve announces itself on stderr.
    const collect = (chunk: Buffer) => {
      output += chunk
      if (!output.includes('Listening on')) return
      child.stdout.off('data', collect)
      child.stderr.off('data', collect)
      child.stdout.resume()
      child.stderr.resume()
      resolve()
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.once('exit', (code) => reject(new Error(`deno exited with ${code}:\n${output}`)))
  })
  return {
    url: `http://127.0.0.1:${port}/chat`,
    get exitCode() {
      return child.exitCode
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill()
      await exited
    },
  }
}

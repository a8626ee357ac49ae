// Serves the built example (dist/examples/host-app) from its own origin, apart from the
// Backchannel stack: `npm run example` builds it and runs this (`npm start` must be running).
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
}

/** A static server for `dir` on 127.0.0.1 (port 0: any free one); unknown paths get index.html. */
export async function serveExample(
  dir: string,
  port = 0,
): Promise<{ url: string; stop(): Promise<void> }> {
  const root = path.resolve(dir)
  const server: Server = createServer(async (request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://host').pathname
    try {
      const wanted = path.resolve(root, `.${decodeURIComponent(pathname)}`)
      // Files by their path inside the build; every other path is the app's page.
      const inside = wanted.startsWith(root + path.sep) && path.extname(wanted) !== ''
      const file = inside ? wanted : path.join(root, 'index.html')
      const body = await readFile(file)
      const type = TYPES[path.extname(file)] ?? 'application/octet-stream'
      // A host as strict as many are: no eval. The module must not need it (zod compiles its
      // parsers with Function unless told not to, and a refused eval reports to the console).
      response
        .writeHead(200, { 'Content-Type': type, 'Content-Security-Policy': "script-src 'self'" })
        .end(body)
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`Not found: ${pathname}`)
    }
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const { port: actual } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${actual}`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.join(import.meta.dirname, '../../dist/examples/host-app')
  const { url } = await serveExample(dir, Number(process.argv[2] ?? 5180))
  console.log(`Example host app at ${url}/?room=planning (chat through http://localhost:8787)`)
}

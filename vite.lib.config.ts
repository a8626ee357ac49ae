// `npm run build:lib`: the embeddable chat column (web/src/library) as an ES module for React apps
// on Daily, in dist/lib: backchannel.js, backchannel.css and the type declarations (index.d.ts).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { emojiDataPlugin } from './web/build/emoji-data.vite.ts'

const root = import.meta.dirname
const outDir = path.join(root, 'dist/lib')
const typesDir = path.join(outDir, 'types')

/** The host's own copies, never bundled: package.json's peerDependencies. */
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
const peerDependencies = Object.keys(packageJson.peerDependencies ?? {})
const isPeer = (id: string) =>
  peerDependencies.some((name) => id === name || id.startsWith(`${name}/`))

/**
 * Writes the declarations with tsc (tsconfig.lib.json) once the bundle is written, then makes
 * their imports resolvable for a consumer: `@shared/x.ts` (a path alias of this repository) and
 * relative `.ts`/`.tsx` imports become relative `.js` ones, which TypeScript reads as `.d.ts`.
 */
function declarations(): Plugin {
  return {
    name: 'backchannel-declarations',
    apply: 'build',
    async closeBundle() {
      const tsc = path.join(root, 'node_modules/typescript/bin/tsc')
      execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.lib.json')], {
        stdio: 'inherit',
      })
      for (const file of await declarationFiles(typesDir)) {
        const source = await readFile(file, 'utf8')
        const rewritten = source.replace(
          /(["'])(@shared\/|\.{1,2}\/)([^"']*?)\.tsx?\1/g,
          (_, quote: string, prefix: string, rest: string) =>
            `${quote}${declarationPath(file, prefix, rest)}${quote}`,
        )
        if (rewritten !== source) await writeFile(file, rewritten)
      }
      await writeFile(
        path.join(outDir, 'index.d.ts'),
        "export * from './types/web/src/library/index.js'\n",
      )
    },
  }
}

/** The import of `prefix + rest` (`@shared/protocol`, `../core/chat-client`) from `file`, as .js. */
function declarationPath(file: string, prefix: string, rest: string): string {
  if (prefix !== '@shared/') return `${prefix}${rest}.js`
  const target = path.join(typesDir, 'functions/_shared', `${rest}.js`)
  const relative = path.relative(path.dirname(file), target).split(path.sep).join('/')
  return relative.startsWith('.') ? relative : `./${relative}`
}

async function declarationFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
}

export default defineConfig({
  root,
  // Nothing of the SPA's: no index.html, no public folder, no .env of the web app.
  publicDir: false,
  envDir: false,
  plugins: [react(), emojiDataPlugin(), declarations()],
  resolve: { alias: { '@shared': path.join(root, 'functions/_shared') } },
  // A JSON object as one value, not a named export per key: unhomoglyph's confusables table
  // (≈6,300 keys, required by name-skeleton.ts) would otherwise be bundled three times over.
  json: { namedExports: false },
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: path.join(root, 'web/src/library/index.ts'),
      formats: ['es'],
      fileName: () => 'backchannel.js',
      cssFileName: 'backchannel',
    },
    rolldownOptions: { external: isPeer },
  },
})

// `npm run build:lib`: the embeddable chat column (web/src/library) as an ES module for React apps
// on Daily, in dist/lib (or `--outDir`): backchannel.js, backchannel.css, the type declarations
// (index.d.ts) and the package's own package.json, so `npm run pack:lib` makes the tarball a team
// installs.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { emojiDataPlugin } from './web/build/emoji-data.vite.ts'
import {
  assertDeclaredTypeImports,
  libraryManifest,
  packageNameOf,
} from './web/build/lib-manifest.ts'

const root = import.meta.dirname

/** The npm name: `backchannel` is taken on the registry, `backchannel-chat` was free. */
const PACKAGE_NAME = 'backchannel-chat'

const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))

/**
 * Packages bundled although the repository depends on them, each for what the build does to it:
 * emojibase-data is cut to what the picker reads (emojiDataPlugin), and unhomoglyph's table is
 * read as one JSON value (`json.namedExports` below). A host's bundler would do neither.
 */
const BUNDLED = new Set(['emojibase-data', 'unhomoglyph'])

/**
 * Left to the host's install: its own copies of the peers (React, Daily), and the library's
 * dependencies, which the package's manifest then declares (web/build/lib-manifest.ts).
 */
const external = new Set(
  [
    ...Object.keys(packageJson.peerDependencies ?? {}),
    ...Object.keys(packageJson.dependencies ?? {}),
  ].filter((name) => !BUNDLED.has(name)),
)
const isExternal = (id: string) => external.has(packageNameOf(id))

/**
 * Writes the declarations with tsc (tsconfig.lib.json) once the bundle is written, then makes
 * their imports resolvable for a consumer: `@shared/x.ts` (a path alias of this repository) and
 * relative `.ts`/`.tsx` imports become relative `.js` ones, which TypeScript reads as `.d.ts`.
 */
function declarations(): Plugin {
  let outDir = path.join(root, 'dist/lib')
  // closeBundle also runs after a failed build, whose own error must be the one reported.
  let written = false
  return {
    name: 'backchannel-declarations',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
    },
    writeBundle() {
      written = true
    },
    async closeBundle() {
      if (!written) return
      const typesDir = path.join(outDir, 'types')
      const tsc = path.join(root, 'node_modules/typescript/bin/tsc')
      const project = path.join(root, 'tsconfig.lib.json')
      execFileSync(process.execPath, [tsc, '-p', project, '--outDir', typesDir], {
        stdio: 'inherit',
      })
      for (const file of await declarationFiles(typesDir)) {
        const source = await readFile(file, 'utf8')
        const rewritten = source.replace(
          /(["'])(@shared\/|\.{1,2}\/)([^"']*?)\.tsx?\1/g,
          (_, quote: string, prefix: string, rest: string) =>
            `${quote}${declarationPath(typesDir, file, prefix, rest)}${quote}`,
        )
        if (rewritten !== source) await writeFile(file, rewritten)
      }
      await writeFile(
        path.join(outDir, 'index.d.ts'),
        "export * from './types/web/src/library/index.js'\n",
      )
      await assertDeclaredTypeImports(outDir)
    },
  }
}

/** The import of `prefix + rest` (`@shared/protocol`, `../core/chat-client`) from `file`, as .js. */
function declarationPath(typesDir: string, file: string, prefix: string, rest: string): string {
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
  plugins: [
    react(),
    emojiDataPlugin(),
    libraryManifest({
      name: PACKAGE_NAME,
      rootPackage: packageJson,
      entry: 'backchannel.js',
      styles: 'backchannel.css',
      declarations: { entry: 'index.d.ts', folder: 'types' },
    }),
    declarations(),
  ],
  resolve: { alias: { '@shared': path.join(root, 'functions/_shared') } },
  // A JSON object as one value, not a named export per key: unhomoglyph's confusables table
  // (≈6,300 keys, required by name-skeleton.ts) would otherwise be bundled three times over.
  json: { namedExports: false },
  build: {
    outDir: path.join(root, 'dist/lib'),
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: path.join(root, 'web/src/library/index.ts'),
      formats: ['es'],
      fileName: () => 'backchannel.js',
      cssFileName: 'backchannel',
    },
    rolldownOptions: { external: isExternal },
  },
})

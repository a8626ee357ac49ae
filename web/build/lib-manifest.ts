import { readdir, readFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import path from 'node:path'
import type { Plugin, Rolldown } from 'vite'

/** What of the repository's package.json the library's manifest takes. */
interface RootPackage {
  version: string
  description?: string
  license?: string
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

export interface LibraryManifestOptions {
  /** The name it is published under. */
  name: string
  /** The repository's package.json: versions of dependencies and peers, version, description. */
  rootPackage: RootPackage
  /** The entry chunk's file name (`backchannel.js`). */
  entry: string
  /** The stylesheet's file name (`backchannel.css`). */
  styles: string
  /** The declarations' entry (`index.d.ts`) and their folder (`types`), written after the bundle. */
  declarations: { entry: string; folder: string }
}

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier)
}

const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(packageNameOf(specifier))

/**
 * Vite plugin (vite.lib.config.ts): writes the library's own package.json beside its bundle, so
 * `npm pack dist/lib` makes the tarball a team installs and the repository's package.json stays the
 * app's. Its `dependencies` are exactly the packages the bundle leaves external that are not
 * peers, each at the repository's version; the build fails when the bundle imports a package the
 * repository declares neither as a dependency nor as a peer, or a Node built-in (it runs in
 * browsers).
 */
export function libraryManifest(options: LibraryManifestOptions): Plugin {
  const { rootPackage } = options
  const peers = rootPackage.peerDependencies ?? {}
  const declared = rootPackage.dependencies ?? {}
  return {
    name: 'backchannel-library-manifest',
    apply: 'build',
    // After Vite's own plugins, which add the stylesheet to the bundle in this same hook.
    enforce: 'post',
    generateBundle(_, bundle) {
      const problems: string[] = []
      const dependencies: Record<string, string> = {}
      for (const specifier of externalImports(bundle)) {
        const name = packageNameOf(specifier)
        if (isBuiltin(specifier)) {
          problems.push(`"${specifier}" is Node's: the library runs in browsers`)
        } else if (name in peers) {
          // The host's own copy.
        } else if (declared[name]) {
          dependencies[name] = declared[name]
        } else {
          problems.push(
            `"${specifier}" is neither a dependency nor a peer dependency in package.json`,
          )
        }
      }
      if (!(options.entry in bundle)) problems.push(`the bundle has no ${options.entry}`)
      if (!(options.styles in bundle)) problems.push(`the bundle has no ${options.styles}`)
      if (problems.length > 0) {
        this.error(`The library's bundle cannot be packaged:\n- ${problems.join('\n- ')}`)
      }
      this.emitFile({
        type: 'asset',
        fileName: 'package.json',
        source: `${JSON.stringify(manifest(options, dependencies, Object.keys(bundle)), null, 2)}\n`,
      })
    },
  }
}

/** Every import of every chunk that is not another chunk of the bundle: its externals. */
function externalImports(bundle: Rolldown.OutputBundle): string[] {
  const found = new Set<string>()
  for (const output of Object.values(bundle)) {
    if (output.type !== 'chunk') continue
    for (const specifier of [...output.imports, ...output.dynamicImports]) {
      if (!(specifier in bundle)) found.add(specifier)
    }
  }
  return [...found].sort()
}

function manifest(
  options: LibraryManifestOptions,
  dependencies: Record<string, string>,
  bundleFiles: string[],
) {
  const { rootPackage, entry, styles, declarations } = options
  const types = `./${declarations.entry}`
  return {
    name: options.name,
    version: rootPackage.version,
    description: rootPackage.description,
    // The repository has not chosen a licence yet: "UNLICENSED" says so until it does.
    license: rootPackage.license ?? 'UNLICENSED',
    type: 'module',
    module: `./${entry}`,
    types,
    exports: {
      '.': { types, import: `./${entry}`, default: `./${entry}` },
      './styles.css': `./${styles}`,
      './package.json': './package.json',
    },
    // Only the stylesheet does something on import: a bundler may drop the rest when unused.
    sideEffects: ['*.css'],
    files: [...bundleFiles.sort(), declarations.entry, `${declarations.folder}/`],
    peerDependencies: rootPackage.peerDependencies,
    dependencies: Object.fromEntries(Object.entries(dependencies).sort()),
  }
}

/**
 * Fails when a declaration file in `dir` imports a package the library's manifest does not bring
 * or ask the host for: a consumer's TypeScript would read those types as `any` without a word.
 */
export async function assertDeclaredTypeImports(dir: string): Promise<void> {
  const manifestFile = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'))
  const known = new Set([
    ...Object.keys(manifestFile.dependencies ?? {}),
    ...Object.keys(manifestFile.peerDependencies ?? {}),
  ])
  const problems: string[] = []
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue
    const file = path.join(entry.parentPath, entry.name)
    const source = await readFile(file, 'utf8')
    for (const match of source.matchAll(/(?:from|import\s*\(?)\s*["']([^"'./][^"']*)["']/g)) {
      const specifier = match[1] ?? ''
      if (!known.has(packageNameOf(specifier))) {
        problems.push(`${path.relative(dir, file)} imports "${specifier}"`)
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `The library's types import packages its package.json does not declare:\n- ${problems.join('\n- ')}`,
    )
  }
}

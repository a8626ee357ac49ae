// A package-lock.json for an app made by a test, cut from this repository's: the packages the
// app's dependencies reach, at the versions this repository installed. npm 11 resolves a new
// version range from the registry's full package document, which an install from a lockfile
// never stores in the cache; `npm ci --offline` with this lockfile needs only the packages'
// tarballs, which the cache holds by their integrity.
import { readFile } from 'node:fs/promises'
import path from 'node:path'

interface LockedPackage {
  version?: string
  resolved?: string
  integrity?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  [field: string]: unknown
}

interface Lockfile {
  name: string
  lockfileVersion: number
  requires?: boolean
  packages: Record<string, LockedPackage>
}

export interface AppManifest {
  name: string
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** Where Node finds `name` from the package at `from` (`''` is the app): nested first, then up. */
function locate(packages: Lockfile['packages'], name: string, from: string): string | undefined {
  let at = from
  for (;;) {
    const candidate = at ? `${at}/node_modules/${name}` : `node_modules/${name}`
    if (packages[candidate]) return candidate
    if (!at) return undefined
    const parent = at.lastIndexOf('/node_modules/')
    at = parent === -1 ? '' : at.slice(0, parent)
  }
}

/**
 * The lockfile of `app`, whose dependencies are this repository's packages plus `local`: packages
 * installed from a file (the tarball), given as their lock entries under `node_modules/<name>`.
 * Throws, naming the package, when the repository's lockfile lacks one the app needs.
 */
export async function lockfileFor(
  repositoryRoot: string,
  app: AppManifest,
  local: Record<string, LockedPackage>,
): Promise<Lockfile> {
  const source: Lockfile = JSON.parse(
    await readFile(path.join(repositoryRoot, 'package-lock.json'), 'utf8'),
  )
  const packages: Lockfile['packages'] = { ...source.packages }
  for (const [name, entry] of Object.entries(local)) packages[`node_modules/${name}`] = entry

  const kept: Lockfile['packages'] = {
    '': { name: app.name, dependencies: app.dependencies, devDependencies: app.devDependencies },
  }
  const pending: Array<{ name: string; from: string; optional: boolean }> = Object.keys({
    ...app.dependencies,
    ...app.devDependencies,
  }).map((name) => ({ name, from: '', optional: false }))
  for (let next = pending.pop(); next; next = pending.pop()) {
    const at = locate(packages, next.name, next.from)
    if (!at) {
      if (next.optional) continue
      throw new Error(
        `${next.name} (needed by ${next.from || app.name}) is not in this repository's package-lock.json`,
      )
    }
    if (kept[at]) continue
    const entry = packages[at] as LockedPackage
    kept[at] = entry
    const optionalPeers = entry.peerDependenciesMeta ?? {}
    for (const name of Object.keys(entry.dependencies ?? {})) {
      pending.push({ name, from: at, optional: false })
    }
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      pending.push({ name, from: at, optional: true })
    }
    // npm installs a package's peers, except the optional ones (vite's `tsx`, `sass`, …).
    for (const name of Object.keys(entry.peerDependencies ?? {})) {
      if (optionalPeers[name]?.optional !== true) pending.push({ name, from: at, optional: false })
    }
  }
  return { name: app.name, lockfileVersion: 3, requires: true, packages: kept }
}

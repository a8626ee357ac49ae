import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { assertDeclaredTypeImports, libraryManifest } from './lib-manifest.ts'

const rootPackage = {
  version: '1.2.3',
  description: 'Chat',
  dependencies: { zod: '^4.0.0', hono: '^4.0.0', '@noble/hashes': '^2.0.0' },
  peerDependencies: { react: '^19.0.0' },
}

const options = {
  name: 'backchannel-chat',
  rootPackage,
  entry: 'backchannel.js',
  styles: 'backchannel.css',
  declarations: { entry: 'index.d.ts', folder: 'types' },
}

const chunk = (fileName: string, imports: string[], dynamicImports: string[] = []) => ({
  type: 'chunk',
  fileName,
  imports,
  dynamicImports,
})

/** Runs the plugin's generateBundle over `bundle`: the package.json it emits, or its error. */
function generate(bundle: Record<string, unknown>) {
  const emitted: Array<{ fileName: string; source: string }> = []
  const context = {
    error(message: string): never {
      throw new Error(message)
    },
    emitFile(file: { fileName: string; source: string }) {
      emitted.push(file)
    },
  }
  const hook = libraryManifest(options).generateBundle as (...args: unknown[]) => void
  hook.call(context, {}, bundle, true)
  const [manifest] = emitted
  if (manifest?.fileName !== 'package.json') throw new Error('no package.json emitted')
  return JSON.parse(manifest.source)
}

const css = { type: 'asset', fileName: 'backchannel.css' }

describe('the library manifest', () => {
  it('declares as dependencies exactly the non-peer packages the bundle imports', () => {
    const manifest = generate({
      'backchannel.js': chunk('backchannel.js', ['chunk.js', 'react', 'react/jsx-runtime', 'zod']),
      'chunk.js': chunk('chunk.js', ['@noble/hashes/sha2.js']),
      'backchannel.css': css,
    })
    // hono is a dependency of the repository the bundle never imports: not the package's.
    expect(manifest.dependencies).toEqual({ '@noble/hashes': '^2.0.0', zod: '^4.0.0' })
    expect(manifest.peerDependencies).toEqual({ react: '^19.0.0' })
    expect(manifest).toMatchObject({
      name: 'backchannel-chat',
      version: '1.2.3',
      type: 'module',
      exports: { './styles.css': './backchannel.css' },
      files: ['backchannel.css', 'backchannel.js', 'chunk.js', 'index.d.ts', 'types/'],
    })
  })

  it('fails the build when the bundle imports a package package.json does not declare', () => {
    expect(() =>
      generate({
        'backchannel.js': chunk('backchannel.js', ['zod'], ['left-pad']),
        'backchannel.css': css,
      }),
    ).toThrow('"left-pad" is neither a dependency nor a peer dependency in package.json')
  })

  it("fails the build when the bundle imports one of Node's modules", () => {
    expect(() =>
      generate({
        'backchannel.js': chunk('backchannel.js', ['node:fs', 'path']),
        'backchannel.css': css,
      }),
    ).toThrow(/"node:fs" is Node's[\s\S]*"path" is Node's/)
  })

  it('fails the build when the stylesheet is missing', () => {
    expect(() => generate({ 'backchannel.js': chunk('backchannel.js', []) })).toThrow(
      'the bundle has no backchannel.css',
    )
  })
})

describe('the declarations check', () => {
  it('names each declaration file that imports a package the manifest does not declare', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lib-manifest-'))
    try {
      await mkdir(path.join(dir, 'types'))
      await writeFile(
        path.join(dir, 'package.json'),
        JSON.stringify({ dependencies: { zod: '^4' }, peerDependencies: { react: '^19' } }),
      )
      await writeFile(
        path.join(dir, 'types/a.d.ts'),
        "import type { z } from 'zod'\nimport type { FC } from 'react'\nexport * from './b.js'\n",
      )
      await expect(assertDeclaredTypeImports(dir)).resolves.toBeUndefined()
      await writeFile(path.join(dir, 'types/b.d.ts'), "export type E = import('emojibase').Emoji\n")
      await expect(assertDeclaredTypeImports(dir)).rejects.toThrow(
        'types/b.d.ts imports "emojibase"',
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Hono } from 'hono'
import type { ChatConfig } from '../functions/chat/config.ts'
import type { MediaStore } from '../functions/chat/media-store.ts'
import { createSupabaseMediaStore } from '../functions/chat/supabase-media-store.ts'
import { createDiskMediaStore } from './disk-media-store.ts'

/**
 * The local stack's media store, chosen in this one place: Supabase Storage when configured,
 * else files on local disk in the data folder behind the same URL shapes (and `routes` to serve
 * them at /storage/v1).
 */
export async function openLocalMediaStore(
  config: Pick<ChatConfig, 'supabase' | 'mediaMaxBytes'>,
  dataDir: string,
): Promise<{ media: MediaStore; routes?: Hono }> {
  if (config.supabase) return { media: createSupabaseMediaStore(config.supabase) }
  const disk = createDiskMediaStore({
    dir: path.join(dataDir, 'storage'),
    secret: await localSecret(dataDir, 'storage-secret'),
    // Root-relative URLs: right for whichever origin the page was opened on (Vite dev too).
    publicUrl: '',
    maxBytes: config.mediaMaxBytes,
  })
  return { media: disk.store, routes: disk.routes }
}

/**
 * A secret of the local stack (the stand-in for DAILY_API_KEY, the storage URL key): generated
 * once, kept in the data folder.
 */
export async function localSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name)
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim()
  const key = randomBytes(32).toString('base64url')
  await writeFile(file, `${key}\n`, { mode: 0o600 })
  return key
}

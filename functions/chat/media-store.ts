import type { MediaType } from '../_shared/protocol.ts'

/** What storage holds at a path. */
export interface StoredObject {
  size: number
  /** The Content-Type it was uploaded with. */
  type: string
}

/**
 * Where shared files are kept: Supabase Storage in production, local disk in the local stack.
 * Files are private: they are written and read only through signed URLs that expire. The function
 * talks only to this port.
 */
export interface MediaStore {
  /**
   * A signed URL to PUT one file of `type` to `path` (at most `size` bytes), and when it expires.
   */
  createUpload(
    path: string,
    file: { type: MediaType; size: number },
  ): Promise<{ uploadUrl: string; expiresAt: Date }>
  /** What is stored at `path`, or undefined when nothing is (yet). */
  stat(path: string): Promise<StoredObject | undefined>
  /**
   * Signed URLs to read files, in the order asked, valid for `expiresInSeconds`. Anything but
   * images and video is served as a download, named `downloadAs` only where the signature covers
   * the name (local disk); a store that cannot sign it (Supabase Storage) names it after the
   * object (`<uuid>.<ext>`), so no URL can be edited to rename a file. A file the store knows to
   * be gone (removed by retention or by hand) gets undefined, not an error, so one missing file
   * never breaks a room's history.
   */
  signReadUrls(
    files: readonly { path: string; downloadAs: string }[],
    expiresInSeconds: number,
  ): Promise<(string | undefined)[]>
  /** Deletes files (missing ones are no error). */
  remove(paths: readonly string[]): Promise<void>
}

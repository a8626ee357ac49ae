import { useEffect, useMemo } from 'react'
import type { RoomApi } from '../../engine/chat-api.ts'
import { useStore } from '../../react/use-store.ts'
import { UploadTray } from './upload-tray.ts'

/**
 * The composer's files (an UploadTray, see there) while mounted: what it holds, and how to add,
 * remove and clear them. Unmounting stops the uploads and lets every preview URL go.
 */
export function useAttachments(api: Pick<RoomApi, 'route'>) {
  const tray = useMemo(() => new UploadTray({ api }), [api])
  useEffect(() => () => tray.dispose(), [tray])
  const { files, ready, busy } = useStore(tray)
  // The same object while the tray is unchanged: the composer is memoized on it.
  return useMemo(
    () => ({ files, ready, busy, add: tray.add, remove: tray.remove, clear: tray.clear }),
    [tray, files, ready, busy],
  )
}

export type Attachments = ReturnType<typeof useAttachments>

import { useSyncExternalStore } from 'react'
import type { ReadableStore } from '../engine/store.ts'

/** The snapshot of a core store (ChatClient, UploadTray, MessageEditing…); re-renders on change. */
export function useStore<Snapshot>(store: ReadableStore<Snapshot>): Snapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot)
}

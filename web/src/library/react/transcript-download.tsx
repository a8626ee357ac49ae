import { useState } from 'react'
import type { RoomApi } from '../engine/chat-api.ts'
import type { CallRecording } from '../engine/live-channel.ts'
import { type ReadableStore, Store } from '../engine/store.ts'
import { useStore } from './use-store.ts'

/** For a chat whose call records nothing (the local relay): no subtitles to offer. */
const NO_RECORDING: ReadableStore<CallRecording | undefined> = new Store(undefined)

/**
 * Downloads the room's conversation as the function writes it (final texts, without deleted
 * messages): Markdown, or JSON from the smaller button. Once the call has been recorded
 * (`recording`, e.g. `client.recording`), also the chat as subtitles (WebVTT) for that recording,
 * each message timed from when it started, for a player to show beside the video.
 */
export function TranscriptDownload({
  api,
  recording: recordingStore = NO_RECORDING,
}: {
  api: RoomApi
  /** The call's latest recording (Daily); none: no subtitles offered. */
  recording?: ReadableStore<CallRecording | undefined>
}) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const recording = useStore(recordingStore)

  async function download(...request: Parameters<RoomApi['downloadTranscript']>) {
    setBusy(true)
    setError(undefined)
    try {
      const { file, name } = await api.downloadTranscript(...request)
      // The transcript needs the token, so a plain link cannot fetch it: the file is handed to
      // the browser as an object URL instead.
      const url = URL.createObjectURL(file)
      const link = document.createElement('a')
      link.href = url
      link.download = name
      link.hidden = true
      document.body.append(link)
      link.click()
      link.remove()
      // Revoked on the next task, not at once: some browsers read the URL after click() returns.
      setTimeout(() => URL.revokeObjectURL(url))
    } catch (reason) {
      setError((reason as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="bc-transcript" aria-busy={busy}>
      <button type="button" disabled={busy} onClick={() => void download('md')}>
        Download transcript
      </button>
      <button
        type="button"
        className="bc-transcript-json"
        aria-label="Download transcript as JSON"
        title="Download transcript as JSON"
        disabled={busy}
        onClick={() => void download('json')}
      >
        JSON
      </button>
      {recording && (
        <button
          type="button"
          className="bc-transcript-vtt"
          title={`Each message timed from when the recording started (${clockTime(recording.startedAt)})`}
          disabled={busy}
          onClick={() =>
            void download('vtt', { start: recording.startedAt, end: recording.stoppedAt })
          }
        >
          Chat as subtitles (WebVTT)
        </button>
      )}
      {error && (
        <p role="alert" className="bc-error">
          Could not download the transcript: {error}
        </p>
      )}
    </div>
  )
}

/** A time of day as the reader's locale writes it, to the second. */
const clockTime = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })

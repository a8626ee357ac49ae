import { useState } from 'react'
import type { RoomApi } from '../engine/chat-api.ts'

type Format = 'md' | 'json'

/**
 * Downloads the room's conversation as the function writes it (final texts, without deleted
 * messages): Markdown, or JSON from the smaller button.
 */
export function TranscriptDownload({ api }: { api: RoomApi }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()

  async function download(format: Format) {
    setBusy(true)
    setError(undefined)
    try {
      const { file, name } = await api.downloadTranscript(format)
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
      {error && (
        <p role="alert" className="bc-error">
          Could not download the transcript: {error}
        </p>
      )}
    </div>
  )
}

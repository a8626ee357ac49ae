import type { StoredMessage } from '../_shared/protocol.ts'

/** The shortest a cue stays up, even when the next message follows at once: time to read it. */
export const CUE_MIN_MS = 2_000
/** The longest a cue stays up when the chat goes quiet, and how long the last one stays. */
export const CUE_MAX_MS = 8_000

/** What a WebVTT transcript covers: epoch milliseconds; the recording's start, maybe its end. */
/** What a cue reads of a message (files by name only: a cue links nothing). */
export type CueMessage = Pick<
  StoredMessage,
  'id' | 'createdAt' | 'body' | 'to' | 'toName' | 'sender'
> & {
  attachments: readonly { name: string }[]
}

export interface RecordingWindow {
  start: number
  end?: number
}

/** `hh:mm:ss.ttt` from the recording's start (hours grow past two digits for long recordings). */
export function vttTimestamp(ms: number): string {
  const whole = Math.max(0, Math.round(ms))
  const hours = Math.floor(whole / 3_600_000)
  const minutes = Math.floor(whole / 60_000) % 60
  const seconds = Math.floor(whole / 1000) % 60
  const pad = (value: number, width = 2) => String(value).padStart(width, '0')
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(whole % 1000, 3)}`
}

/**
 * Text as a cue shows it, never as markup: `&`, `<` and `>` as character references. With `>`
 * escaped, no `-->` (which would start a new cue) can appear in a payload either.
 */
const escapeCueText = (text: string) =>
  text.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'))

/**
 * A message's lines without blank ones: an empty line ends a cue, so the rest of the message
 * would otherwise spill out of it (or pass for the next cue).
 */
const textLines = (text: string) =>
  text
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() !== '')
    .map(escapeCueText)

/** A voice's name on one line, escaped: `>` would end the `<v …>` tag early. */
const voiceName = (name: string) => escapeCueText(name.replace(/\s+/g, ' ').trim()) || 'Someone'

/** What a cue says: `<v Name>` and the text, a private message marked, files by name. */
function cuePayload(message: CueMessage): string[] {
  const privately = message.to ? `(private to ${message.toName ?? message.to}) ` : ''
  const lines = [
    ...textLines(`${privately}${message.body}`),
    ...message.attachments.flatMap((file) => textLines(`📎 ${file.name}`)),
  ]
  if (lines.length === 0) return []
  const [first, ...rest] = lines
  return [`<v ${voiceName(message.sender.name)}>${first}`, ...rest]
}

/** The top of a WebVTT transcript, with a note of what its times count from. */
export function vttHeader(room: string, window: RecordingWindow): string {
  const end = window.end === undefined ? '' : ` to ${new Date(window.end).toISOString()}`
  return `WEBVTT\n\nNOTE\nChat of ${room}, timed from the recording's start at ${new Date(window.start).toISOString()}${end}.\n\n`
}

interface PendingCue {
  id: string
  at: number
  payload: string[]
}

/**
 * Turns messages, in the transcript's order and a page at a time, into WebVTT cues. A cue shows
 * from when its message was written (counted from the recording's start) until the next message,
 * at least CUE_MIN_MS (cues then overlap, which players stack) and at most CUE_MAX_MS, never past
 * the recording's end. Messages from before the start or from the end on are left out: they are
 * not beside anything in the recording. Start times never go back (WebVTT requires it; two
 * messages written at once may be stored a millisecond out of order).
 *
 * @example
 * const cues = vttCues({ start: recordingStart })
 * body = vttHeader(room, window) + cues.add(page) + cues.finish()
 */
export function vttCues(window: RecordingWindow) {
  const length = window.end === undefined ? Number.POSITIVE_INFINITY : window.end - window.start
  let pending: PendingCue | undefined
  let latestStart = 0

  /** The pending cue as text, now that the next one's start (if any) is known. */
  function write(cue: PendingCue, nextAt: number | undefined): string {
    const shown = nextAt === undefined ? CUE_MAX_MS : nextAt - cue.at
    const until = Math.min(cue.at + Math.min(Math.max(shown, CUE_MIN_MS), CUE_MAX_MS), length)
    return `${cue.id}\n${vttTimestamp(cue.at)} --> ${vttTimestamp(until)}\n${cue.payload.join('\n')}\n\n`
  }

  return {
    /** The cues these messages complete (each cue waits for the next message to know its end). */
    add(messages: readonly CueMessage[]): string {
      let out = ''
      for (const message of messages) {
        const written = Date.parse(message.createdAt) - window.start
        if (written < 0 || written >= length) continue
        const payload = cuePayload(message)
        if (payload.length === 0) continue
        const at = Math.max(written, latestStart)
        latestStart = at
        if (pending) out += write(pending, at)
        pending = { id: message.id, at, payload }
      }
      return out
    },
    /** The last cue. */
    finish(): string {
      const last = pending
      pending = undefined
      return last ? write(last, undefined) : ''
    },
  }
}

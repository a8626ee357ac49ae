import { describe, expect, it } from 'vitest'
import { parseWebVtt as parse, shownCue as shown } from '../../test/webvtt.ts'
import type { StoredMessage } from '../_shared/protocol.ts'
import {
  CUE_MAX_MS,
  CUE_MIN_MS,
  type RecordingWindow,
  vttCues,
  vttHeader,
  vttTimestamp,
} from './transcript-vtt.ts'

const START = Date.parse('2030-01-01T10:00:00.000Z')
const at = (seconds: number) => new Date(START + seconds * 1000).toISOString()

const message = (seconds: number, fields: Partial<StoredMessage> = {}): StoredMessage => ({
  id: crypto.randomUUID(),
  room: 'standup',
  sender: { id: 'u1', name: 'Ana' },
  body: 'hello',
  attachments: [],
  createdAt: at(seconds),
  seq: 1,
  ...fields,
})

/** A whole file, from pages the way the route streams them. */
function subtitles(pages: StoredMessage[][], window: RecordingWindow = { start: START }): string {
  const cues = vttCues(window)
  return vttHeader('standup', window) + pages.map((page) => cues.add(page)).join('') + cues.finish()
}

describe('vttTimestamp', () => {
  it('writes hours, minutes, seconds and milliseconds, past 99 hours too', () => {
    expect(vttTimestamp(0)).toBe('00:00:00.000')
    expect(vttTimestamp(3_723_004)).toBe('01:02:03.004')
    expect(vttTimestamp(360_000_000)).toBe('100:00:00.000')
  })
})

describe('vttCues', () => {
  it('makes each message a cue from its time after the start, spoken by its sender', () => {
    const cues = parse(
      subtitles([
        [
          message(5, { body: 'first' }),
          message(9, { body: 'second', sender: { id: 'u2', name: 'Bo' } }),
        ],
      ]),
    )
    expect(cues.map((cue) => [cue.startTime, cue.endTime])).toEqual([
      [5, 9],
      [9, 9 + CUE_MAX_MS / 1000],
    ])
    expect(cues.map(shown)).toEqual([
      { name: 'Ana', text: 'first' },
      { name: 'Bo', text: 'second' },
    ])
  })

  it('keeps a cue up at least a moment and at most a few seconds', () => {
    const cues = parse(subtitles([[message(1), message(1.5), message(60)]]))
    expect(cues.map((cue) => cue.endTime - cue.startTime)).toEqual([
      CUE_MIN_MS / 1000,
      CUE_MAX_MS / 1000,
      CUE_MAX_MS / 1000,
    ])
  })

  it('leaves out what came before the start and from the end on, and ends no cue past the end', () => {
    const window = { start: START, end: START + 20_000 }
    const vtt = subtitles(
      [[message(-3, { body: 'before' }), message(18, { body: 'near the end' })], [message(20)]],
      window,
    )
    const cues = parse(vtt)
    expect(cues.map(shown).map((cue) => cue.text)).toEqual(['near the end'])
    expect(cues.map((cue) => [cue.startTime, cue.endTime])).toEqual([[18, 20]])
    expect(vtt).not.toContain('before')
  })

  it('waits for the next page to end the last cue of a page', () => {
    const cues = parse(subtitles([[message(1)], [], [message(4)]]))
    expect(cues.map((cue) => [cue.startTime, cue.endTime])).toEqual([
      [1, 4],
      [4, 4 + CUE_MAX_MS / 1000],
    ])
  })

  it('never lets a start time go back, even when seq and time disagree', () => {
    const cues = parse(subtitles([[message(10.002), message(10.001), message(12)]]))
    const starts = cues.map((cue) => cue.startTime)
    expect(starts).toEqual([10.002, 10.002, 12])
  })

  it('shows hostile text as text: markup, cue arrows, closing tags, blank lines', () => {
    const bodies = [
      '</v><v Mallory>I am someone else',
      'a --> b\n00:00:01.000 --> 00:00:09.000\nforged cue',
      'one\n\n\ntwo\r\n \r\nthree',
      '<script>alert(1)</script> &amp; <b>bold</b>',
    ]
    const hostile = message(0, { sender: { id: 'u3', name: 'Eve --> <v Bob>' } })
    const vtt = subtitles([[hostile, ...bodies.map((body, n) => message(n + 1, { body }))]])
    const cues = parse(vtt)
    expect(cues).toHaveLength(5)
    expect(cues.map(shown)).toEqual([
      { name: 'Eve --> <v Bob>', text: 'hello' },
      { name: 'Ana', text: '</v><v Mallory>I am someone else' },
      { name: 'Ana', text: 'a --> b\n00:00:01.000 --> 00:00:09.000\nforged cue' },
      { name: 'Ana', text: 'one\ntwo\nthree' },
      { name: 'Ana', text: '<script>alert(1)</script> &amp; <b>bold</b>' },
    ])
    // Every arrow in the file is a cue's timing line: none in a payload.
    const arrows = vtt.split('\n').filter((line) => line.includes('-->'))
    expect(arrows).toHaveLength(5)
    for (const line of arrows)
      expect(line).toMatch(/^\d{2,}:\d{2}:\d{2}\.\d{3} --> \d{2,}:\d{2}:\d{2}\.\d{3}$/)
  })

  it('marks a private message and names files, and skips a message with nothing to show', () => {
    const cues = parse(
      subtitles([
        [
          message(1, { body: 'psst', to: 'u2', toName: 'Bo' }),
          message(2, {
            body: '',
            attachments: [{ path: 'p', name: 'plan.pdf', type: 'application/pdf', size: 3 }],
          }),
          message(3, { body: ' \n ' }),
        ],
      ]),
    )
    expect(cues.map(shown).map((cue) => cue.text)).toEqual(['(private to Bo) psst', '📎 plan.pdf'])
  })

  it('names each cue by its message id and says in a note what the times count from', () => {
    const first = message(1)
    const vtt = subtitles([[first]], { start: START, end: START + 60_000 })
    expect(vtt).toMatch(
      /^WEBVTT\n\nNOTE\nChat of standup, timed from the recording's start at 2030-01-01T10:00:00\.000Z to 2030-01-01T10:01:00\.000Z\.\n\n/,
    )
    expect(parse(vtt)[0]?.id).toBe(first.id)
  })

  it('is a valid file with no cues when nothing falls in the recording', () => {
    expect(parse(subtitles([[message(-1)]]))).toEqual([])
  })
})

// GET /rooms/:room/transcript?format=vtt: the chat as subtitles beside a recording, over HTTP, as
// the people in the room and a stranger to a private message would ask for it.
import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom, userIdOf } from '../../../test/chat-harness.ts'
import { parseWebVtt, shownCue } from '../../../test/webvtt.ts'
import { storedMessageSchema } from '../../_shared/protocol.ts'

describe('GET /rooms/:room/transcript?format=vtt', () => {
  const chat = createChatHarness()
  afterAll(() => chat.close())

  const START = Date.parse('2030-01-01T10:00:00.000Z')

  async function setup() {
    const room = uniqueRoom('vtt')
    const ana = await chat.tokenFor(room, 'Ana')
    const bo = await chat.tokenFor(room, 'Bo')
    const cy = await chat.tokenFor(room, 'Cy')
    /** Sends a message, then dates it `seconds` after the recording's start. */
    const send = async (token: string, seconds: number, body: Record<string, unknown>) => {
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token,
        body: { id: chat.newIdFor(token), ...body },
      })
      expect(response.status).toBe(201)
      const message = storedMessageSchema.parse(await response.json())
      const createdAt = new Date(START + seconds * 1000).toISOString()
      await chat.sql`
        update chat.messages set created_at = ${createdAt}::timestamptz
        where id = ${message.id}::uuid`
      return message
    }
    const subtitles = (token: string, query: string) =>
      chat.call('GET', `/rooms/${room}/transcript?format=vtt&${query}`, { token })
    return { room, ana, bo, cy, send, subtitles }
  }

  it('answers each visible message as a cue timed from the start, as a text/vtt file', async () => {
    const { room, ana, bo, send, subtitles } = await setup()
    await send(ana, -30, { body: 'before the recording' })
    await send(ana, 5, { body: 'first words' })
    const regret = await send(bo, 6, { body: 'to be deleted' })
    expect(
      (await chat.call('DELETE', `/rooms/${room}/messages/${regret.id}`, { token: bo })).status,
    ).toBe(204)
    await send(bo, 9, { body: 'line one\n\nline two' })

    for (const start of ['2030-01-01T10:00:00.000Z', '2030-01-01T11:00:00+01:00', String(START)]) {
      const response = await subtitles(ana, `start=${encodeURIComponent(start)}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/vtt; charset=utf-8')
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="${room}-transcript.vtt"`,
      )
      const cues = parseWebVtt(await response.text())
      expect(cues.map((cue) => [cue.startTime, cue.endTime])).toEqual([
        [5, 9],
        [9, 17],
      ])
      expect(cues.map(shownCue)).toEqual([
        { name: 'Ana', text: 'first words' },
        { name: 'Bo', text: 'line one\nline two' },
      ])
    }
  })

  it('stops at the end it is given', async () => {
    const { ana, send, subtitles } = await setup()
    await send(ana, 5, { body: 'during' })
    await send(ana, 30, { body: 'after' })
    const end = new Date(START + 20_000).toISOString()
    const response = await subtitles(ana, `start=${START}&end=${end}`)
    const cues = parseWebVtt(await response.text())
    expect(cues.map(shownCue).map((cue) => cue.text)).toEqual(['during'])
  })

  it('gives a private message to its two people only', async () => {
    const { ana, bo, cy, send, subtitles } = await setup()
    await send(ana, 1, { body: 'Bo, the password is swordfish', to: userIdOf(bo), toName: 'Bo' })
    await send(ana, 2, { body: 'Hello everyone' })
    const texts = async (token: string) =>
      parseWebVtt(await (await subtitles(token, `start=${START}`)).text())
        .map(shownCue)
        .map((cue) => cue.text)
    for (const token of [ana, bo]) {
      expect(await texts(token)).toEqual([
        '(private to Bo) Bo, the password is swordfish',
        'Hello everyone',
      ])
    }
    const response = await subtitles(cy, `start=${START}`)
    const vtt = await response.text()
    expect(vtt).not.toContain('swordfish')
    expect(parseWebVtt(vtt).map(shownCue)).toEqual([{ name: 'Ana', text: 'Hello everyone' }])
  })

  it('answers 400 naming start when it is missing or not a time, or end is not after it', async () => {
    const { room, ana, subtitles } = await setup()
    const refused = async (response: Response) =>
      (await expectError(response, 400, 'invalid_input')).fields
    expect(await refused(await subtitles(ana, ''))).toEqual({
      start: [expect.stringMatching(/^Subtitles need start: when the recording started/)],
    })
    for (const start of ['yesterday', '2030-13-01T00:00:00Z', '2030-01-01T10:00:00', '-5', '']) {
      expect(await refused(await subtitles(ana, `start=${encodeURIComponent(start)}`))).toEqual({
        start: [expect.stringMatching(/ISO 8601 .* or as milliseconds since 1970/)],
      })
    }
    expect(await refused(await subtitles(ana, `start=${START}&end=${START}`))).toEqual({
      end: ['end must be after start.'],
    })
    const markdown = await chat.call('GET', `/rooms/${room}/transcript?start=${START}`, {
      token: ana,
    })
    expect(await refused(markdown)).toEqual({ start: ['start goes with format=vtt only.'] })
  })
})

import type { Attachment } from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import { ChatApiError } from '../../engine/chat-api.ts'
import type { TimelineAttachment } from '../../engine/timeline.ts'
import { REFRESH_LEAD_MS, UrlRefresher } from './url-refresh.ts'

const MINUTE = 60_000

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

function setup(ttlMs = 60 * MINUTE) {
  const clock = new FakeClock()
  const expiresIn = (ms: number) => new Date(clock.now() + ms).toISOString()
  const file = (name: string): TimelineAttachment => ({
    path: `standup/${name}.png`,
    name: `${name}.png`,
    type: 'image/png',
    size: 10,
    url: `old-${name}`,
    urlExpiresAt: expiresIn(ttlMs),
  })
  let shown: TimelineAttachment[][] = []
  const applied: TimelineAttachment[][] = []
  const sign = vi.fn(async (files: readonly Attachment[]) =>
    files.map((f) => ({ ...f, url: `new-${f.name}`, urlExpiresAt: expiresIn(ttlMs) })),
  )
  const log = vi.fn()
  const refresher = new UrlRefresher({
    clock,
    shown: () => shown,
    sign: (files) => sign(files),
    apply: (signed) => {
      applied.push([...signed])
      shown = shown.map((files) => files.map((f) => signed.find((s) => s.path === f.path) ?? f))
    },
    log,
  })
  const show = (files: TimelineAttachment[][]) => {
    shown = files
    refresher.note(files.flat())
  }
  return { clock, file, show, sign, applied, log, refresher }
}

describe('UrlRefresher', () => {
  it('retries a minute after a failure worth retrying', async () => {
    const { clock, file, show, sign, applied, log } = setup()
    show([[file('a')]])
    sign.mockRejectedValueOnce(new ChatApiError(503, 'unavailable', 'Try later.'))
    clock.advance(60 * MINUTE - REFRESH_LEAD_MS)
    await settle()
    expect(sign).toHaveBeenCalledTimes(1)
    expect(log).toHaveBeenCalledWith(
      'could not sign files again; retrying in a minute',
      expect.any(ChatApiError),
    )
    clock.advance(MINUTE)
    await settle()
    expect(sign).toHaveBeenCalledTimes(2)
    expect(applied.flat().map((f) => f.url)).toEqual(['new-a.png'])
  })

  it('does not ask again for files the function refuses, and still signs the others', async () => {
    const { clock, file, show, sign, applied } = setup()
    show([[file('gone')], [file('kept')]])
    sign.mockImplementation(async (files) => {
      if (files.some((f) => f.name === 'gone.png')) {
        throw new ChatApiError(410, 'message_deleted', 'That message was deleted.')
      }
      return files.map((f) => ({
        ...f,
        url: `new-${f.name}`,
        urlExpiresAt: '2030-01-01T02:00:00.000Z',
      }))
    })
    clock.advance(60 * MINUTE - REFRESH_LEAD_MS)
    await settle()
    // Together first, then each message alone.
    expect(sign.mock.calls.map(([files]) => files.map((f) => f.name))).toEqual([
      ['gone.png', 'kept.png'],
      ['gone.png'],
      ['kept.png'],
    ])
    expect(applied.flat().map((f) => f.name)).toEqual(['kept.png'])
    clock.advance(60 * MINUTE)
    await settle()
    expect(
      sign.mock.calls.some(
        ([files], index) => index > 2 && files.some((f) => f.name === 'gone.png'),
      ),
    ).toBe(false)
  })

  it('signs short-lived URLs at half their life, and stops once disposed', async () => {
    const { clock, file, show, sign, refresher } = setup(4 * MINUTE)
    show([[file('a')]])
    clock.advance(2 * MINUTE - 1)
    await settle()
    expect(sign).not.toHaveBeenCalled()
    clock.advance(1)
    await settle()
    expect(sign).toHaveBeenCalledTimes(1)
    refresher.dispose()
    clock.advance(60 * MINUTE)
    await settle()
    expect(sign).toHaveBeenCalledTimes(1)
  })
})

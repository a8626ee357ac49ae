import { renderToStaticMarkup } from 'react-dom/server'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { FakeDailyCall } from '../../../test-support/fake-daily-call.ts'
import { openDailySession } from './daily-session.ts'

// daily-js cannot create a real call object here (no WebRTC, no Daily): it hands out doubles.
const created = vi.hoisted(() => ({ calls: [] as Array<{ destroy: () => Promise<void> }> }))

vi.mock('@daily-co/daily-js', async () => {
  const { FakeDailyCall } = await import('../../../test-support/fake-daily-call.ts')
  return {
    default: {
      createCallObject: () => {
        const call = Object.assign(new FakeDailyCall(), { destroy: vi.fn(async () => {}) })
        created.calls.push(call)
        return call
      },
    },
  }
})

const open = () => openDailySession({ domain: 'acme.daily.co', room: 'standup', token: 'jwt' })
const lastCall = () => created.calls.at(-1) as FakeDailyCall & { destroy: () => Promise<void> }

beforeEach(() => {
  created.calls.length = 0
})

describe('openDailySession', () => {
  it('joins https://<domain>/<room> with the token over a new call object', async () => {
    const { transport } = await open()

    await transport.join()

    expect(created.calls).toHaveLength(1)
    expect(lastCall().joinCalls).toEqual([{ url: 'https://acme.daily.co/standup', token: 'jwt' }])
  })

  it('leaves, then destroys the call object once, however often it is left', async () => {
    const { transport } = await open()
    await transport.join()

    await Promise.all([transport.leave(), transport.leave()])
    await transport.leave()

    expect(lastCall().leaveCalls).toBe(1)
    expect(lastCall().destroy).toHaveBeenCalledOnce()
  })

  it('keeps the rest of the transport working over the same call', async () => {
    const { transport } = await open()
    await transport.join()

    transport.send({ hello: true })

    expect(lastCall().sendAppMessageCalls).toEqual([{ data: { hello: true }, to: '*' }])
    expect(transport.participants().map((p) => p.local)).toEqual([true])
  })

  it('gives Tiles that render the call with its controls', async () => {
    const { transport, Tiles } = await open()

    const html = renderToStaticMarkup(<Tiles transport={transport} onLeave={() => {}} />)

    expect(html).toContain('>Microphone</button>')
    expect(html).toContain('>Leave</button>')
  })
})

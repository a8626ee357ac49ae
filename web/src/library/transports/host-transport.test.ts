import { describe, expect, it, vi } from 'vitest'
import type { ChatTransport } from '../engine/live-channel.ts'
import { borrowTransport } from './host-transport.ts'

/** A host's transport whose join the test settles. */
function hostTransport() {
  const joins: { resolve: () => void; reject: (error: Error) => void }[] = []
  const transport: ChatTransport = {
    join: vi.fn(
      () =>
        new Promise<void>((resolve, reject) => {
          joins.push({ resolve, reject })
        }),
    ),
    leave: vi.fn(async () => {}),
    send: vi.fn(),
    participants: vi.fn(() => []),
    on: vi.fn(() => () => {}),
  }
  return { transport, joins }
}

describe('borrowTransport', () => {
  it('joins the host transport once, however many chats start on it', async () => {
    const { transport, joins } = hostTransport()

    const first = borrowTransport(transport).join()
    const second = borrowTransport(transport).join()
    joins[0]?.resolve()
    await Promise.all([first, second, borrowTransport(transport).join()])

    expect(transport.join).toHaveBeenCalledOnce()
  })

  it('never leaves it: the host does, when its call ends', async () => {
    const { transport, joins } = hostTransport()
    const borrowed = borrowTransport(transport)
    const joined = borrowed.join()
    joins[0]?.resolve()
    await joined

    await borrowed.leave()

    expect(transport.leave).not.toHaveBeenCalled()
  })

  it('tries a join that failed again for the next chat', async () => {
    const { transport, joins } = hostTransport()
    const failed = borrowTransport(transport).join()
    joins[0]?.reject(new Error('Room is full'))
    await expect(failed).rejects.toThrow('Room is full')

    const retried = borrowTransport(transport).join()
    joins[1]?.resolve()
    await retried

    expect(transport.join).toHaveBeenCalledTimes(2)
  })

  it('passes sending, participants and events through', () => {
    const { transport } = hostTransport()
    const borrowed = borrowTransport(transport)
    const listener = () => {}

    borrowed.send({ hello: true })
    borrowed.send({ psst: true }, ['session-ben'])
    borrowed.participants()
    borrowed.on('connection', listener)

    expect(transport.send).toHaveBeenCalledWith({ hello: true }, undefined)
    // Addressed to some sessions only (a private message): the address goes through too.
    expect(transport.send).toHaveBeenCalledWith({ psst: true }, ['session-ben'])
    expect(transport.participants).toHaveBeenCalledOnce()
    expect(transport.on).toHaveBeenCalledWith('connection', listener)
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakeDailyCall } from '../../../test-support/fake-daily-call.ts'
import type { CallRecording } from '../engine/live-channel.ts'
import { createDailyTransport } from './daily-transport.ts'

afterEach(() => {
  vi.useRealTimers()
})

async function joinedCall() {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2030-01-01T10:00:00.000Z'))
  const call = new FakeDailyCall()
  const transport = createDailyTransport({
    callObject: call,
    url: 'https://acme.daily.co/x',
    token: 't',
  })
  const heard: CallRecording[] = []
  transport.on('recording', (recording) => heard.push(recording))
  await transport.join()
  return { call, transport, heard }
}

describe('the Daily transport and the call’s recording', () => {
  it('notes when a recording started and stopped, by its own clock', async () => {
    const { call, heard } = await joinedCall()
    call.emit('recording-started', { action: 'recording-started' })
    vi.setSystemTime(new Date('2030-01-01T10:45:00.000Z'))
    call.emit('recording-stopped', { action: 'recording-stopped' })
    // A second stop (another instance's) changes nothing.
    call.emit('recording-stopped', { action: 'recording-stopped' })
    expect(heard).toEqual([
      { startedAt: '2030-01-01T10:00:00.000Z' },
      { startedAt: '2030-01-01T10:00:00.000Z', stoppedAt: '2030-01-01T10:45:00.000Z' },
    ])
  })

  it('tells a listener that comes later about the recording at once, and the latest one only', async () => {
    const { call, transport } = await joinedCall()
    call.emit('recording-started', { action: 'recording-started' })
    vi.setSystemTime(new Date('2030-01-01T11:00:00.000Z'))
    call.emit('recording-started', { action: 'recording-started' })
    const later: CallRecording[] = []
    transport.on('recording', (recording) => later.push(recording))
    expect(later).toEqual([{ startedAt: '2030-01-01T11:00:00.000Z' }])
  })

  it('says nothing of a recording before one starts, and stops listening on leave', async () => {
    const { call, transport, heard } = await joinedCall()
    call.emit('recording-stopped', { action: 'recording-stopped' })
    expect(heard).toEqual([])
    expect(call.listenerCount('recording-started')).toBe(1)
    await transport.leave()
    expect(call.listenerCount('recording-started')).toBe(0)
    expect(call.listenerCount('recording-stopped')).toBe(0)
  })
})

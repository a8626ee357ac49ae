import { describe, expect, it, vi } from 'vitest'
import { deferred } from '../../../test-support/deferred.ts'
import { LatestRead } from './latest-read.ts'

describe('LatestRead', () => {
  it('applies only the latest read: an older answer arriving last is dropped', async () => {
    const answers = [deferred<string>(), deferred<string>()]
    let call = 0
    const applied: string[] = []
    const read = new LatestRead(
      () => (answers[call++] as ReturnType<typeof deferred<string>>).promise,
      (answer) => applied.push(answer),
      vi.fn(),
      'the thing',
    )
    const first = read.run()
    const second = read.run()
    answers[1]?.resolve('new')
    answers[0]?.resolve('old')
    await Promise.all([first, second])
    expect(applied).toEqual(['new'])
  })

  it('keeps what is known when a read fails, says so in the log, and drops reads superseded', async () => {
    const log = vi.fn()
    const applied: string[] = []
    const pending = deferred<string>()
    const read = new LatestRead(
      () => pending.promise,
      (a) => applied.push(a),
      log,
      'the pins',
    )
    const running = read.run()
    read.supersede()
    pending.resolve('stale')
    await running
    expect(applied).toEqual([])

    const failing = new LatestRead(
      () => Promise.reject(new Error('offline')),
      (a: string) => applied.push(a),
      log,
      'the pins',
    )
    await failing.run()
    expect(log).toHaveBeenCalledWith('could not read the pins', expect.any(Error))
    expect(applied).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { Store } from './store.ts'

describe('Store', () => {
  it('hands out the same snapshot until it is replaced, then tells every listener', () => {
    const store = new Store({ count: 0 })
    const first = store.getSnapshot()
    const seen: number[] = []
    store.subscribe(() => seen.push(store.getSnapshot().count))
    store.subscribe(() => seen.push(-store.getSnapshot().count))

    expect(store.getSnapshot()).toBe(first)
    store.set({ count: 1 })

    expect(seen).toEqual([1, -1])
    expect(store.getSnapshot()).not.toBe(first)
  })

  it('announces nothing when set to the snapshot it already holds', () => {
    const store = new Store({ count: 0 })
    let calls = 0
    store.subscribe(() => calls++)

    store.set(store.getSnapshot())

    expect(calls).toBe(0)
  })

  it('stops calling a listener once unsubscribed, and all of them after unsubscribeAll', () => {
    const store = new Store(0)
    const calls: string[] = []
    const off = store.subscribe(() => calls.push('a'))
    store.subscribe(() => calls.push('b'))

    off()
    store.set(1)
    store.unsubscribeAll()
    store.set(2)

    expect(calls).toEqual(['b'])
  })
})

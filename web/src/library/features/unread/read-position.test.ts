import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { ReadPosition, readPositionKey } from './read-position.ts'

/** localStorage as the store uses it, in memory. */
class MemoryStorage {
  readonly items = new Map<string, string>()
  getItem = (key: string) => this.items.get(key) ?? null
  setItem = (key: string, value: string) => {
    this.items.set(key, value)
  }
}

const message = (id: string, minute: number, own = false): TimelineMessage => ({
  id,
  sender: own ? { id: 'user-me', name: 'Me' } : { id: 'user-ben', name: 'Ben' },
  body: `message ${id}`,
  attachments: [],
  createdAt: `2030-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
  status: 'saved',
  own,
})

const [a, b, c, d] = [message('a', 1), message('b', 2), message('c', 3), message('d', 4)]
const position = (storage: MemoryStorage, room = 'standup', userId = 'user-me') =>
  new ReadPosition({ storage, room, userId })

afterEach(() => {
  vi.restoreAllMocks()
})

describe('ReadPosition', () => {
  it('on a first visit, nothing is unread (no divider)', () => {
    expect(position(new MemoryStorage()).firstUnread([a, b])).toBeUndefined()
  })

  it('is saved, and a new instance (a reload) restores it: the first unread follows the mark', () => {
    const storage = new MemoryStorage()
    position(storage).markRead(b)

    const reloaded = position(storage)

    expect(reloaded.getSnapshot()).toEqual({ id: 'b', createdAt: b.createdAt })
    expect(reloaded.firstUnread([a, b, c, d])?.id).toBe('c')
    expect(reloaded.firstUnread([a, b])).toBeUndefined()
  })

  it('is kept per room and per user', () => {
    const storage = new MemoryStorage()
    position(storage, 'standup', 'user-me').markRead(b)

    expect(position(storage, 'retro', 'user-me').firstUnread([a, b, c])).toBeUndefined()
    expect(position(storage, 'standup', 'user-ana').firstUnread([a, b, c])).toBeUndefined()
    expect(storage.items.has(readPositionKey('standup', 'user-me'))).toBe(true)
  })

  it("skips the reader's own messages: what they wrote is not news to them", () => {
    const storage = new MemoryStorage()
    const read = position(storage)
    read.markRead(a)

    expect(read.firstUnread([a, message('mine', 2, true), c])?.id).toBe('c')
  })

  it('only moves forward', () => {
    const read = position(new MemoryStorage())
    read.markRead(c)
    read.markRead(a)

    expect(read.getSnapshot()?.id).toBe('c')
    expect(read.firstUnread([a, b, c, d])?.id).toBe('d')
  })

  it('uses the time when the marked message is no longer listed (deleted, not loaded)', () => {
    const read = position(new MemoryStorage())
    read.markRead(b)

    expect(read.firstUnread([a, c, d])?.id).toBe('c')
  })

  it('ignores unreadable storage, with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const storage = new MemoryStorage()
    storage.setItem(readPositionKey('standup', 'user-me'), '{"id": 42}')

    expect(position(storage).getSnapshot()).toBeUndefined()
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ignoring unreadable storage'))
  })

  it('keeps working when storage refuses writes', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const storage = new MemoryStorage()
    storage.setItem = () => {
      throw new Error('QuotaExceededError')
    }
    const read = position(storage)
    read.markRead(a)

    expect(read.firstUnread([a, b])?.id).toBe('b')
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not save'))
  })
})

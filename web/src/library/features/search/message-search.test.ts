import type { SearchPage, StoredMessage } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import { fakeRoute } from '../../../../test-support/fake-routes.ts'
import { highlightWords, MessageSearch, SEARCH_DEBOUNCE_MS } from './message-search.ts'

const message = (seq: number, body: string): StoredMessage => ({
  id: `00000000-0000-8000-8000-${String(seq).padStart(12, '0')}`,
  room: 'standup',
  sender: { id: 'ana', name: 'Ana' },
  body,
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  seq,
})

/** A search API whose answers the test gives, in any order. */
function fakeApi() {
  const calls: {
    q: string
    before?: number
    answer: (page: SearchPage) => void
    fail: (e: Error) => void
  }[] = []
  const searchMessages = (query: { q: string; before?: number }) =>
    new Promise<SearchPage>((answer, fail) => calls.push({ ...query, answer, fail }))
  const route = fakeRoute({
    'GET /search': ({ query }) => {
      const before = query.get('before')
      const q = query.get('q') ?? ''
      return searchMessages(before === null ? { q } : { q, before: Number(before) })
    },
  })
  return { calls, route }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('MessageSearch', () => {
  it('searches once typing pauses, with the words it will highlight', async () => {
    const clock = new FakeClock()
    const api = fakeApi()
    const search = new MessageSearch({ api, clock })
    search.setQuery('sh')
    search.setQuery('ship')
    search.setQuery('ship Fri')
    expect(search.getSnapshot().status).toBe('searching')
    clock.advance(SEARCH_DEBOUNCE_MS - 1)
    expect(api.calls).toHaveLength(0)
    clock.advance(1)
    expect(api.calls.map((call) => call.q)).toEqual(['ship Fri'])
    api.calls[0]?.answer({ messages: [message(9, 'ship on Friday')], hasMore: false })
    await settle()
    expect(search.getSnapshot()).toMatchObject({
      query: 'ship Fri',
      words: ['ship', 'fri'],
      status: 'done',
      results: [expect.objectContaining({ body: 'ship on Friday' })],
    })
  })

  it('drops the answer to a query the reader has since changed', async () => {
    const clock = new FakeClock()
    const api = fakeApi()
    const search = new MessageSearch({ api, clock })
    search.setQuery('old')
    clock.advance(SEARCH_DEBOUNCE_MS)
    search.setQuery('new')
    clock.advance(SEARCH_DEBOUNCE_MS)
    api.calls[1]?.answer({ messages: [message(2, 'new things')], hasMore: false })
    api.calls[0]?.answer({ messages: [message(1, 'old things')], hasMore: false })
    await settle()
    expect(search.getSnapshot().results.map((m) => m.body)).toEqual(['new things'])
  })

  it('loads older results with more(), before the oldest shown', async () => {
    const clock = new FakeClock()
    const api = fakeApi()
    const search = new MessageSearch({ api, clock })
    search.setQuery('note')
    clock.advance(SEARCH_DEBOUNCE_MS)
    api.calls[0]?.answer({ messages: [message(9, 'note 9'), message(7, 'note 7')], hasMore: true })
    await settle()
    const more = search.more()
    expect(api.calls[1]).toMatchObject({ q: 'note', before: 7 })
    api.calls[1]?.answer({ messages: [message(3, 'note 3')], hasMore: false })
    await more
    expect(search.getSnapshot()).toMatchObject({ hasMore: false, status: 'done' })
    expect(search.getSnapshot().results.map((m) => m.seq)).toEqual([9, 7, 3])
  })

  it('clears for a query without words, and says why a search failed', async () => {
    const clock = new FakeClock()
    const api = fakeApi()
    const search = new MessageSearch({ api, clock })
    search.setQuery('?! ')
    expect(search.getSnapshot()).toMatchObject({ status: 'idle', results: [] })
    clock.advance(SEARCH_DEBOUNCE_MS)
    expect(api.calls).toHaveLength(0)
    search.setQuery('plan')
    clock.advance(SEARCH_DEBOUNCE_MS)
    api.calls[0]?.fail(new Error('The chat service did not answer within 15 s.'))
    await settle()
    expect(search.getSnapshot()).toMatchObject({
      status: 'failed',
      error: 'The chat service did not answer within 15 s.',
    })
  })
})

describe('highlightWords', () => {
  it('marks the start of each word that begins with a search word, any case', () => {
    expect(highlightWords('Ship it Friday, shipping!', ['ship', 'fri'])).toEqual([
      { text: 'Ship', match: true },
      { text: ' it ', match: false },
      { text: 'Fri', match: true },
      { text: 'day, ', match: false },
      { text: 'ship', match: true },
      { text: 'ping!', match: false },
    ])
    expect(highlightWords('nothing here', ['x'])).toEqual([{ text: 'nothing here', match: false }])
  })
})

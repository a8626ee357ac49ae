import type { z } from 'zod'
import { ChatApiError, type RoomApi } from '../src/library/engine/chat-api.ts'

type Method = Parameters<RoomApi['route']>[2]['method']

/** What a fake route gets: the path's `:names` (decoded), its query string, the JSON sent. */
interface FakeRequest {
  param(name: string): string
  query: URLSearchParams
  json: unknown
}

/** Answers by `'METHOD /path/:name'`, e.g. `'PUT /messages/:id/reactions/:emoji'`. */
export type FakeRoutes = Record<string, (request: FakeRequest) => unknown>

/**
 * A RoomApi `route` for test doubles: answers a feature's request by its method and path from
 * `routes`, and reads the answer with the caller's schema as the real one does (a route with no
 * body answers undefined). A request no route takes is a 404, as the function's would be.
 *
 * @example
 * const api = { route: fakeRoute({ 'GET /pins': () => ({ messages: [] }) }) }
 */
export function fakeRoute(routes: FakeRoutes): RoomApi['route'] {
  const table = Object.entries(routes).map(([key, answer]) => {
    const [method, pattern = ''] = key.split(' ')
    return { method: method as Method, parts: pattern.split('/'), answer }
  })
  return async <T extends z.ZodType>(
    path: string,
    schema: T,
    init: { method: Method; json?: unknown },
  ): Promise<z.output<T>> => {
    const [pathname = '', search = ''] = path.split('?')
    const parts = pathname.split('/')
    for (const { method, parts: pattern, answer } of table) {
      if (method !== init.method || pattern.length !== parts.length) continue
      const params: Record<string, string> = {}
      const matches = pattern.every((part, index) => {
        const actual = parts[index] ?? ''
        if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(actual)
        return part.startsWith(':') || part === actual
      })
      if (!matches) continue
      const param = (name: string) => {
        const value = params[name]
        if (value === undefined)
          throw new Error(`The route ${method} ${pattern.join('/')} has no :${name}.`)
        return value
      }
      const answered = await answer({ param, query: new URLSearchParams(search), json: init.json })
      return schema.parse(answered)
    }
    throw new ChatApiError(404, 'not_found', `No route for ${init.method} ${path}.`)
  }
}

/** A fake room's own answers to the calls of the features, by the names RoomApi once had. */
interface FakeRoomCalls {
  editMessage(id: string, body: string): unknown
  deleteMessage(id: string): unknown
  addReaction(id: string, emoji: string): unknown
  removeReaction(id: string, emoji: string): unknown
  pinMessage(id: string, on: boolean): unknown
  loadPins(): unknown
  loadSettings(): unknown
}

/**
 * The routes of editing, reactions, pins, settings and the (empty) Q&A board, answered from `room`'s methods of those
 * names as the function's routes answer them: the part of the route table every fake room shares.
 */
export function roomRoutes(room: FakeRoomCalls): FakeRoutes {
  return {
    'PATCH /messages/:id': ({ param, json }) =>
      room.editMessage(param('id'), (json as { body: string }).body),
    'DELETE /messages/:id': ({ param }) => room.deleteMessage(param('id')),
    'PUT /messages/:id/reactions/:emoji': ({ param }) =>
      room.addReaction(param('id'), param('emoji')),
    'DELETE /messages/:id/reactions/:emoji': ({ param }) =>
      room.removeReaction(param('id'), param('emoji')),
    'PUT /messages/:id/pin': ({ param }) => room.pinMessage(param('id'), true),
    'DELETE /messages/:id/pin': ({ param }) => room.pinMessage(param('id'), false),
    'GET /pins': () => room.loadPins(),
    'GET /settings': () => room.loadSettings(),
    // The Q&A board, read at start and at every catch-up: an empty one (its own tests use their
    // own double, features/questions/question-board.test.ts).
    'GET /questions': () => ({ questions: [] }),
  }
}

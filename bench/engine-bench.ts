// The engine's own cost, without a browser or a network: one incoming typing notice and one
// incoming chat message, in a room of 100 and of 10,000 messages, including what the column then
// reads (the typing line; the message view and the rows in view). The ratio between the two
// sizes shows whether a change still costs more as the history grows (target: at most 1.2).
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  DEFAULT_ROOM_SETTINGS,
  LIVE_PROTOCOL_VERSION,
  newMessageId,
  type StoredMessage,
} from '../functions/_shared/protocol.ts'
import type { RoomApi } from '../web/src/library/engine/chat-api.ts'
import { ChatClient } from '../web/src/library/engine/chat-client.ts'
import { presentMessage } from '../web/src/library/engine/present-message.ts'
import { FakeTransport, fakeParticipant } from '../web/test-support/fake-transport.ts'
import { type Figure, info, round } from './figures.ts'

const ROOM = 'bench'
const SMALL = 100
const LARGE = 10_000
/** Rows a column shows at once (the virtualized list renders about this many). */
const ROWS_IN_VIEW = 20
/** Rounds run first and not counted: the JIT settles on the code the figures measure. */
const WARM_UP_ROUNDS = 3
const ben = fakeParticipant('ben', 'Ben')
const ana = fakeParticipant('ana', 'Ana')

/** A room's history: every tenth message has a reaction, every seventh replies to the one before. */
function history(size: number): StoredMessage[] {
  const start = Date.UTC(2030, 0, 1)
  const messages: StoredMessage[] = []
  for (let index = 0; index < size; index++) {
    const sender = index % 3 === 0 ? ana : ben
    messages.push({
      id: newMessageId(sender.userId),
      room: ROOM,
      sender: { id: sender.userId, name: sender.userName },
      body: `Message ${index}, with a few words in it`,
      attachments: [],
      createdAt: new Date(start + index * 1000).toISOString(),
      seq: index + 1,
      ...(index % 10 === 0
        ? { reactions: [{ emoji: '👍', count: 2, userIds: [ben.userId, ana.userId] }] }
        : {}),
      ...(index % 7 === 6 ? { replyTo: messages[index - 1]?.id } : {}),
    })
  }
  return messages
}

/** A room API that hands out one page of `messages`, and nothing to catch up on. */
function roomApi(messages: StoredMessage[]): RoomApi {
  // What the features read on the way in (settings, pins, reports), by path.
  const features: Record<string, unknown> = {
    '/settings': DEFAULT_ROOM_SETTINGS,
    '/pins': { messages: [] },
    '/reports': { mine: [] },
  }
  const api: Partial<RoomApi> = {
    loadHistoryPage: async () => ({ messages, hasMore: false, revision: messages.length }),
    loadChanges: async () => ({
      changes: [],
      revision: messages.length,
      hasMore: false,
      firstSeq: 1,
    }),
    route: async (path, schema) => schema.parse(features[path]),
  }
  return api as RoomApi
}

/** A started client in a room of `size` messages, read as the column reads it. */
async function roomOf(size: number) {
  const transport = new FakeTransport()
  transport.arrive(ben)
  transport.arrive(ana)
  const storage = new Map<string, string>()
  const client = new ChatClient({
    room: ROOM,
    user: { id: 'user-me', name: 'Me' },
    api: roomApi(history(size)),
    transport,
    storage: {
      getItem: (key) => storage.get(key) ?? null,
      setItem: (key, value) => void storage.set(key, value),
    },
    log: () => {},
  })
  await client.start()
  // The column: the typing line, and the list with the newest rows in view, each as shown.
  let read = 0
  client.typing.subscribe(() => {
    read += client.typing.getSnapshot().length
  })
  client.messages.subscribe(() => {
    const view = client.messages.getSnapshot()
    const people = client.people.getSnapshot()
    for (let index = Math.max(0, view.size - ROWS_IN_VIEW); index < view.size; index++) {
      const message = view.at(index)
      if (message) read += presentMessage(message, people, client.userId).body.length
    }
  })
  return { client, transport, read: () => read }
}

const typingNotice = (index: number) => ({
  v: LIVE_PROTOCOL_VERSION,
  type: 'typing' as const,
  typing: index % 2 === 0,
})

const chatMessages = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    v: LIVE_PROTOCOL_VERSION,
    type: 'chat' as const,
    id: newMessageId(ben.userId),
    body: `Live message ${index}`,
    createdAt: new Date().toISOString(),
  }))

/**
 * A full garbage collection, so that each measurement starts alike (V8's own `gc`, made callable
 * with its documented flag; absent, measurements simply run without it).
 */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc')
  const gc = runInNewContext('typeof gc === "function" ? gc : undefined')
  return typeof gc === 'function' ? gc : () => {}
})()

/** Microseconds per delivery of each of `data` to a fresh room of `size` messages. */
async function perDelivery(size: number, data: readonly unknown[]): Promise<number> {
  const { client, transport } = await roomOf(size)
  collectGarbage()
  const start = performance.now()
  for (const item of data) transport.deliver(item, ben.sessionId)
  const micros = ((performance.now() - start) / data.length) * 1000
  await client.dispose()
  return micros
}

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] as number

/** Rounds measured after the warm-up: each one both sizes, one after the other. */
const ROUNDS = 15

/**
 * The costs in both room sizes, measured in alternating rounds (each in fresh rooms, so the small
 * room stays small) after a warm-up round, as medians: the two sizes see the same machine.
 */
async function costs(rounds = ROUNDS) {
  const typing = { small: [] as number[], large: [] as number[] }
  const message = { small: [] as number[], large: [] as number[] }
  const notices = Array.from({ length: 10_000 }, (_, index) => typingNotice(index))
  for (let round = -WARM_UP_ROUNDS; round < rounds; round++) {
    const measured = {
      typingSmall: await perDelivery(SMALL, notices),
      typingLarge: await perDelivery(LARGE, notices),
      messageSmall: await perDelivery(SMALL, chatMessages(100)),
      messageLarge: await perDelivery(LARGE, chatMessages(100)),
    }
    if (round < 0) continue
    typing.small.push(measured.typingSmall)
    typing.large.push(measured.typingLarge)
    message.small.push(measured.messageSmall)
    message.large.push(measured.messageLarge)
  }
  // The ratio of each round (both sizes measured moments apart), then the median of those: a
  // busy moment of the machine slows one round, not one side.
  const ratios = (sides: { small: number[]; large: number[] }) =>
    median(sides.large.map((large, index) => large / (sides.small[index] as number)))
  return {
    small: { typing: median([...typing.small]), message: median([...message.small]) },
    large: { typing: median([...typing.large]), message: median([...message.large]) },
    ratio: { typing: ratios(typing), message: ratios(message) },
  }
}

/** A ratio of the large room's cost to the small one's, at most `limit`. */
const atMostRatio = (name: string, value: number, limit: number): Figure => ({
  name,
  value: round(value, 2),
  unit: 'x',
  target: `<= ${limit} x`,
  pass: Number.isFinite(value) && round(value, 2) <= limit,
})

/** The engine's figures: absolute costs as information, the 10,000 / 100 ratios as targets. */
export async function benchEngine(log: (line: string) => void): Promise<Figure[]> {
  log('engine: a typing notice and a message in rooms of 100 and 10,000 messages')
  const { small, large, ratio } = await costs()
  return [
    info('engine: one typing notice, 100 messages', round(small.typing, 2), 'µs'),
    info('engine: one typing notice, 10,000 messages', round(large.typing, 2), 'µs'),
    atMostRatio('engine: typing notice cost, 10,000 / 100 messages', ratio.typing, 1.2),
    info('engine: one incoming message, 100 messages', round(small.message, 2), 'µs'),
    info('engine: one incoming message, 10,000 messages', round(large.message, 2), 'µs'),
    atMostRatio('engine: message cost, 10,000 / 100 messages', ratio.message, 1.2),
  ]
}

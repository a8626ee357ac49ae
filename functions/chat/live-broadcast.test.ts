import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import {
  liveEnvelopeSchema,
  MAX_LIVE_MESSAGE_CHARS,
  type StoredQuestion,
} from '../_shared/protocol.ts'
import { createLiveBroadcast, dailyAppMessages } from './live-broadcast.ts'

const question = (id: string, overrides: Partial<StoredQuestion> = {}): StoredQuestion => ({
  id,
  body: `Question ${id}?`,
  askerName: 'Ana',
  anonymous: false,
  mine: true,
  votes: 0,
  myVote: true,
  state: 'open',
  review: 'approved',
  createdAt: '2026-12-07T10:00:00.000Z',
  revision: 1,
  ...overrides,
})

function recording() {
  const sent: { room: string; data: unknown }[] = []
  const logged: string[] = []
  const live = createLiveBroadcast({
    send: async (room, data) => {
      sent.push({ room, data })
    },
    log: (message) => logged.push(message),
    gatherMs: 5,
  })
  return { live, sent, logged }
}

describe('the function’s own live messages', () => {
  it('sends a room’s changes together, each question at its newest revision, as anyone sees it', async () => {
    const { live, sent } = recording()
    live.questionsChanged('room-a', [question('q1', { votes: 1, revision: 2 })])
    live.questionsChanged('room-a', [question('q1', { votes: 3, revision: 4 })])
    live.questionsChanged('room-a', [question('q1', { votes: 2, revision: 3 })])
    live.questionsChanged('room-b', [question('q2')])
    await live.settled()
    expect(sent.map(({ room }) => room).sort()).toEqual(['room-a', 'room-b'])
    const toA = sent.find(({ room }) => room === 'room-a')?.data
    const envelope = liveEnvelopeSchema.parse(toA)
    expect(envelope).toMatchObject({ type: 'questions', questions: [{ id: 'q1', votes: 3 }] })
    // What only its reader knows stays out of what everyone gets.
    expect(JSON.stringify(toA)).not.toMatch(/"mine"|"myVote"/)
  })

  it('tells which questions left the board, the later news of a question winning', async () => {
    const [kept, gone, back] = [randomUUID(), randomUUID(), randomUUID()]
    const { live, sent } = recording()
    live.questionsChanged('room', [question(kept), question(gone)])
    live.questionsRemoved('room', [gone, back])
    live.questionsChanged('room', [question(back, { revision: 7 })])
    await live.settled()
    expect(sent.map(({ data }) => liveEnvelopeSchema.parse(data))).toEqual([
      {
        v: 1,
        type: 'questions',
        questions: [expect.objectContaining({ id: kept }), expect.objectContaining({ id: back })],
        removed: [gone],
      },
    ])
  })

  it('splits many changes into app messages that each fit the channel', async () => {
    const { live, sent } = recording()
    const long = Array.from({ length: 30 }, (_, i) =>
      question(`q${i}`, { body: `${'Why '.repeat(120)}${i}?` }),
    )
    live.questionsChanged('room', long)
    await live.settled()
    expect(sent.length).toBeGreaterThan(1)
    const ids = sent.flatMap(({ data }) => {
      expect(JSON.stringify(data).length).toBeLessThanOrEqual(MAX_LIVE_MESSAGE_CHARS)
      const envelope = liveEnvelopeSchema.parse(data)
      return envelope.type === 'questions' ? envelope.questions.map(({ id }) => id) : []
    })
    expect(ids).toEqual(long.map(({ id }) => id))
  })

  it('logs a send that fails and goes on: the news is stored, clients catch up', async () => {
    const logged: string[] = []
    const live = createLiveBroadcast({
      send: async () => {
        throw new Error('Daily is down')
      },
      log: (message) => logged.push(message),
      gatherMs: 1,
    })
    live.questionsChanged('room', [question('q1')])
    await live.settled()
    expect(logged).toEqual(['live: could not send 1 question(s) to room room: Daily is down'])
  })
})

describe('dailyAppMessages (Daily’s REST API)', () => {
  const requests: { method?: string; url?: string; auth?: string; body: string }[] = []
  let status = 200
  const server = createServer((request: IncomingMessage, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      requests.push({
        method: request.method,
        url: request.url,
        auth: request.headers.authorization,
        body,
      })
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}')
    })
  })
  const listening = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`),
    ),
  )
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('posts the data to everyone in the room, authorized by the API key', async () => {
    const send = dailyAppMessages({ apiUrl: await listening, apiKey: 'secret-key' })
    await send('team-room', { v: 1, type: 'questions' })
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      url: '/v1/rooms/team-room/send-app-message',
      auth: 'Bearer secret-key',
      body: JSON.stringify({ data: { v: 1, type: 'questions' }, recipient: '*' }),
    })
  })

  it('throws on an answer that is not a success, naming its status', async () => {
    const send = dailyAppMessages({ apiUrl: await listening, apiKey: 'wrong-key' })
    status = 401
    try {
      await expect(send('team-room', {})).rejects.toThrow("Daily's REST API answered 401")
    } finally {
      status = 200
    }
  })
})

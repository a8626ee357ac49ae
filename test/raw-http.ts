// Hostile HTTP requests over a real socket, for the edges fetch() hides: a body far larger than
// any limit (generated as it is sent, never held whole), a body shorter than its length, and
// headers that never end.
import http from 'node:http'
import net from 'node:net'
import { expect } from 'vitest'

export interface RawAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  json: unknown
  /** Milliseconds from the start of the request to the response's headers. */
  ms: number
  /** Body bytes written before the answer came. */
  sentBytes: number
}

const CHUNK = Buffer.alloc(64 * 1024, 'x')

/**
 * Sends `totalBytes` of body to `url`, with a Content-Length (`declareLength`) or chunked, and
 * stops sending as soon as an answer arrives.
 */
export function sendHugeBody(
  url: string,
  options: { method?: string; totalBytes: number; declareLength: boolean },
): Promise<RawAnswer> {
  const started = performance.now()
  const request = http.request(url, {
    method: options.method ?? 'POST',
    agent: false,
    headers: {
      'Content-Type': 'application/json',
      ...(options.declareLength ? { 'Content-Length': options.totalBytes } : {}),
    },
  })
  let sentBytes = 0
  let answered = false
  const pump = () => {
    while (!answered && sentBytes < options.totalBytes) {
      const size = Math.min(CHUNK.byteLength, options.totalBytes - sentBytes)
      sentBytes += size
      if (!request.write(CHUNK.subarray(0, size))) {
        request.once('drain', pump)
        return
      }
    }
    if (!answered) request.end()
  }
  const answer = readAnswer(request, started, () => sentBytes).finally(() => {
    answered = true
    request.destroy()
  })
  request.once('response', () => {
    answered = true
  })
  pump()
  return answer
}

/**
 * Declares `declaredBytes` of body, sends `sentBytes` and then nothing, keeping the socket open.
 * `closed` resolves when the server closes the connection.
 */
function sendShortBody(
  url: string,
  options: { method?: string; declaredBytes: number; sentBytes: number },
): { answer: Promise<RawAnswer>; closed: Promise<void> } {
  const started = performance.now()
  const request = http.request(url, {
    method: options.method ?? 'POST',
    agent: false,
    headers: { 'Content-Type': 'application/json', 'Content-Length': options.declaredBytes },
  })
  const closed = new Promise<void>((resolve) => {
    request.once('socket', (socket) => socket.once('close', () => resolve()))
  })
  request.write('{"userName"'.padEnd(options.sentBytes, ' ').slice(0, options.sentBytes))
  return { answer: readAnswer(request, started, () => options.sentBytes), closed }
}

/**
 * Asserts that `url` answers a body that stops 90 bytes short of its length with 400
 * incomplete_body once the body timeout (about 200 ms in these tests) passes, then lets go of the
 * socket. Only a lower bound on the time: a hang fails on the test's own timeout.
 */
export async function expectShortBodyRefused(url: string): Promise<void> {
  const { answer, closed } = sendShortBody(url, { declaredBytes: 100, sentBytes: 10 })
  const { status, headers, json, ms } = await answer
  expect(status).toBe(400)
  expect(json).toEqual({
    error: {
      code: 'incomplete_body',
      message: expect.stringContaining('ended before its declared length'),
      requestId: headers['x-request-id'],
    },
  })
  expect(ms).toBeGreaterThanOrEqual(190)
  await closed
}

export interface DroppedConnection {
  /** What the server wrote before it closed the connection. */
  received: string
  /** Milliseconds from the start of the connection to its close. */
  ms: number
}

/**
 * Opens a connection to `url`'s host, writes `text` (a request whose headers never end, or
 * nothing at all) and then nothing more; resolves when the server closes the connection.
 */
export function sendHeadersThatNeverEnd(url: string, text: string): Promise<DroppedConnection> {
  const { hostname, port } = new URL(url)
  const started = performance.now()
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = net.connect(Number(port), hostname, () => {
      if (text) socket.write(text)
    })
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      received += chunk
    })
    socket.once('error', reject)
    socket.once('close', () => resolve({ received, ms: performance.now() - started }))
  })
}

function readAnswer(
  request: http.ClientRequest,
  started: number,
  sentBytes: () => number,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false
    // Writing on after the server answered and closed fails (EPIPE, ECONNRESET): expected.
    request.on('error', (error) => {
      if (!answered) reject(error)
    })
    request.once('response', (response) => {
      answered = true
      const ms = performance.now() - started
      const sent = sentBytes()
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        text += chunk
      })
      const done = () => {
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = text
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          json,
          ms,
          sentBytes: sent,
        })
      }
      response.once('end', done)
      response.once('close', done)
    })
  })
}

import type { UploadRequest, UploadResponse } from '@shared/protocol.ts'
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import { fakeRoute } from '../../../../test-support/fake-routes.ts'
import { ChatApiError } from '../../engine/chat-api.ts'
import {
  checkFile,
  formatBytes,
  type PutRequest,
  type PutResponse,
  storageMessage,
  type UploadableFile,
  UploadError,
  type UploadOptions,
  uploadFile,
} from './upload-file.ts'

/** Things that happen in order, awaited one at a time by the test. */
class Queue<T> {
  private readonly items: T[] = []
  private readonly waiters: ((item: T) => void)[] = []
  push(item: T): void {
    const waiter = this.waiters.shift()
    if (waiter) waiter(item)
    else this.items.push(item)
  }
  next(): Promise<T> {
    const item = this.items.shift()
    if (item !== undefined) return Promise.resolve(item)
    return new Promise((resolve) => this.waiters.push(resolve))
  }
  get size(): number {
    return this.items.length
  }
}

/** A FakeClock that tells the test when a timer is set, so it knows when to advance. */
class WatchedClock extends FakeClock {
  readonly scheduled = new Queue<number>()
  override setTimeout(callback: () => void, ms: number): number {
    const handle = super.setTimeout(callback, ms)
    this.scheduled.push(ms)
    return handle
  }
}

interface Put {
  request: PutRequest
  respond: (status: number, body?: unknown) => void
}

/** Storage behind the upload URLs: every PUT waits for the test to answer it. */
function fakeStorage() {
  const puts = new Queue<Put>()
  const send = (request: PutRequest) =>
    new Promise<PutResponse>((resolve) => {
      puts.push({
        request,
        respond: (status, body = '') =>
          resolve({ status, body: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
    })
  return { puts, send }
}

const ROOM_FILE = /^standup\/[0-9a-f-]{36}\.png$/

/** The chat function: hands out numbered upload URLs, or the errors queued in `failures`. */
function fakeApi(clock: FakeClock, ttlMs = 2 * 60 * 60 * 1000) {
  const requests: UploadRequest[] = []
  const failures: Error[] = []
  async function requestUpload(file: UploadRequest): Promise<UploadResponse> {
    requests.push(file)
    const failure = failures.shift()
    if (failure) throw failure
    const n = requests.length
    return {
      uploadUrl: `https://storage.test/upload/${n}`,
      method: 'PUT',
      path: `standup/00000000-0000-4000-8000-00000000000${n}.png`,
      expiresAt: new Date(clock.now() + ttlMs).toISOString(),
    }
  }
  const route = fakeRoute({ 'POST /uploads': ({ json }) => requestUpload(json as UploadRequest) })
  return { requests, failures, route }
}

const photo = {
  name: 'photo.png',
  type: 'image/png',
  size: 1234,
  width: 640,
  height: 480,
  body: new Blob([new Uint8Array(1234)], { type: 'image/png' }),
}

function setup(ttlMs?: number) {
  const clock = new WatchedClock()
  const api = fakeApi(clock, ttlMs)
  const storage = fakeStorage()
  const start = (file: UploadableFile = photo, options: Partial<UploadOptions> = {}) => {
    const progress: number[] = []
    const promise = uploadFile(api, file, {
      onProgress: (fraction) => progress.push(fraction),
      send: storage.send,
      clock,
      ...options,
    })
    // Each test awaits the outcome; this keeps a rejection that comes first from being unhandled.
    promise.catch(() => {})
    return { promise, progress }
  }
  return { clock, api, storage, start }
}

describe('checkFile', () => {
  it('accepts the allowed types up to the size limit', () => {
    expect(checkFile({ name: 'photo.png', type: 'image/png', size: 1 })).toBeUndefined()
    expect(checkFile({ name: 'notes.txt', type: 'text/plain', size: 25 * 1024 * 1024 })).toBe(
      undefined,
    )
  })

  it('refuses SVG and other types, naming the kind and what may be shared', () => {
    expect(checkFile({ name: 'photo.svg', type: 'image/svg+xml', size: 10 })).toBe(
      'photo.svg: SVG files cannot be shared. Share images (PNG, JPEG, GIF, WebP), video (MP4, WebM), PDF or plain text.',
    )
    expect(checkFile({ name: 'tool.exe', type: 'application/x-msdownload', size: 10 })).toMatch(
      /^tool\.exe: EXE files cannot be shared\./,
    )
    expect(checkFile({ name: 'README', type: '', size: 10 })).toMatch(
      /^README: Files of this kind cannot be shared\./,
    )
    // Not a key of the allowlist object's prototype either.
    expect(checkFile({ name: 'x', type: 'toString', size: 10 })).toMatch(/cannot be shared/)
  })

  it('refuses empty and oversized files, with sizes in MB', () => {
    expect(checkFile({ name: 'empty.txt', type: 'text/plain', size: 0 })).toBe(
      'empty.txt is empty.',
    )
    expect(checkFile({ name: 'talk.mp4', type: 'video/mp4', size: 30 * 1024 * 1024 })).toBe(
      'talk.mp4 is 30 MB; files are at most 25 MB.',
    )
    expect(checkFile({ name: 'a.png', type: 'image/png', size: 3_500_000 }, 2 * 1024 * 1024)).toBe(
      'a.png is 3.3 MB; files are at most 2 MB.',
    )
  })

  it('refuses names that storage could not keep', () => {
    expect(checkFile({ name: 'a/b.png', type: 'image/png', size: 1 })).toMatch(/cannot contain \//)
  })
})

describe('formatBytes', () => {
  it('says bytes, KB or MB, with one decimal below 10', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(3482)).toBe('3.4 KB')
    expect(formatBytes(123_456)).toBe('121 KB')
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB')
    expect(formatBytes(1.25 * 1024 * 1024)).toBe('1.3 MB')
  })
})

describe('storageMessage', () => {
  it('reads the local stack, Supabase and unknown error shapes', () => {
    const answer = (body: unknown) => ({ status: 400, body: JSON.stringify(body) })
    expect(storageMessage(answer({ error: { code: 'x', message: 'Too big.' } }))).toBe('Too big.')
    expect(
      storageMessage(answer({ statusCode: '403', error: 'Unauthorized', message: 'jwt expired' })),
    ).toBe('jwt expired')
    expect(storageMessage(answer({ error: 'Bucket not found' }))).toBe('Bucket not found')
    expect(storageMessage({ status: 502, body: '<html>Bad gateway</html>' })).toBe(
      'storage answered 502',
    )
    expect(storageMessage({ status: 0, body: '' })).toBe('the network failed')
  })
})

describe('uploadFile', () => {
  it('asks for an upload URL, PUTs the bytes with their type and forwards the progress', async () => {
    const { api, storage, start } = setup()
    const { promise, progress } = start()

    const put = await storage.puts.next()
    expect(api.requests).toEqual([
      { name: 'photo.png', type: 'image/png', size: 1234, width: 640, height: 480 },
    ])
    expect(put.request.url).toBe('https://storage.test/upload/1')
    expect(put.request.contentType).toBe('image/png')
    expect(put.request.body).toBe(photo.body)
    put.request.onProgress(617, 1234)
    put.request.onProgress(1234, 1234)
    put.respond(200, { Key: 'chat-media/standup/x.png' })

    const attachment = await promise
    expect(attachment).toEqual({
      path: 'standup/00000000-0000-4000-8000-000000000001.png',
      name: 'photo.png',
      type: 'image/png',
      size: 1234,
      width: 640,
      height: 480,
    })
    expect(attachment.path).toMatch(ROOM_FILE)
    expect(progress).toEqual([0, 0.5, 1, 1])
  })

  it('sends no dimensions for files without them', async () => {
    const { api, storage, start } = setup()
    const pdf = { name: 'a.pdf', type: 'application/pdf', size: 3, body: new Blob(['pdf']) }
    const { promise } = start(pdf)
    ;(await storage.puts.next()).respond(201)
    expect(await promise).not.toHaveProperty('width')
    expect(api.requests).toEqual([{ name: 'a.pdf', type: 'application/pdf', size: 3 }])
  })

  it('refuses a disallowed file before any request', async () => {
    const { api, start } = setup()
    const svg = { name: 'photo.svg', type: 'image/svg+xml', size: 10, body: new Blob(['<svg/>']) }
    await expect(start(svg).promise).rejects.toThrow(/^photo\.svg: SVG files cannot be shared/)
    expect(api.requests).toEqual([])
  })

  it('retries a network failure after 1 s with the same URL, starting the progress over', async () => {
    const { api, clock, storage, start } = setup()
    const { promise, progress } = start()

    const first = await storage.puts.next()
    first.request.onProgress(400, 1234)
    first.respond(0)
    expect(await clock.scheduled.next()).toBe(1000)
    clock.advance(999)
    expect(storage.puts.size).toBe(0)
    clock.advance(1)

    const second = await storage.puts.next()
    expect(second.request.url).toBe(first.request.url)
    second.respond(200)
    await expect(promise).resolves.toMatchObject({ name: 'photo.png' })
    expect(api.requests).toHaveLength(1)
    expect(progress).toEqual([0, 400 / 1234, 0, 1])
  })

  it('gives up after three tries of server errors, waiting 1 s then 2 s', async () => {
    const { clock, storage, start } = setup()
    const { promise } = start()

    ;(await storage.puts.next()).respond(503, { message: 'Service Unavailable' })
    expect(await clock.scheduled.next()).toBe(1000)
    clock.advance(1000)
    ;(await storage.puts.next()).respond(500)
    expect(await clock.scheduled.next()).toBe(2000)
    clock.advance(2000)
    ;(await storage.puts.next()).respond(0)

    const error = await promise.catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(UploadError)
    expect((error as Error).message).toBe(
      'photo.png could not be uploaded (3 tries): the network failed. Try again later.',
    )
    expect(clock.pendingTimers()).toBe(0)
  })

  it("fails at once on a 4xx from storage, with storage's message", async () => {
    const { api, clock, storage, start } = setup()
    const { promise } = start()

    ;(await storage.puts.next()).respond(413, { error: { message: 'The file is too large.' } })
    await expect(promise).rejects.toThrow('photo.png could not be uploaded: The file is too large.')
    expect(clock.pendingTimers()).toBe(0)
    expect(api.requests).toHaveLength(1)
  })

  it('asks for a new upload URL when storage says the URL expired', async () => {
    const { api, storage, start } = setup()
    const { promise } = start()

    ;(await storage.puts.next()).respond(400, {
      statusCode: '403',
      error: 'Unauthorized',
      message: 'jwt expired',
    })
    const second = await storage.puts.next()
    expect(second.request.url).toBe('https://storage.test/upload/2')
    second.respond(200)

    expect((await promise).path).toBe('standup/00000000-0000-4000-8000-000000000002.png')
    expect(api.requests).toHaveLength(2)
  })

  it('asks for a new upload URL when a retry with the old one gets a 4xx, once', async () => {
    const { api, clock, storage, start } = setup()
    const { promise } = start()

    ;(await storage.puts.next()).respond(0)
    await clock.scheduled.next()
    clock.advance(1000)
    ;(await storage.puts.next()).respond(403, { message: 'Invalid signature' })
    const third = await storage.puts.next()
    expect(third.request.url).toBe('https://storage.test/upload/2')
    // A new URL refused again: that is the answer.
    third.respond(403, { message: 'Invalid signature' })

    await expect(promise).rejects.toThrow('photo.png could not be uploaded: Invalid signature.')
    expect(api.requests).toHaveLength(2)
  })

  it('asks for a new upload URL before retrying with one about to expire', async () => {
    const { api, clock, storage, start } = setup(20_000)
    const { promise } = start()

    ;(await storage.puts.next()).respond(0)
    await clock.scheduled.next()
    clock.advance(1000)
    const second = await storage.puts.next()
    expect(second.request.url).toBe('https://storage.test/upload/2')
    second.respond(200)
    await promise
    expect(api.requests).toHaveLength(2)
  })

  it("retries the function's transient errors and fails at once on its refusals", async () => {
    const { api, clock, storage, start } = setup()
    api.failures.push(new ChatApiError(503, 'unavailable', 'The chat service is unavailable.'))
    const retried = start()
    expect(await clock.scheduled.next()).toBe(1000)
    clock.advance(1000)
    ;(await storage.puts.next()).respond(200)
    await expect(retried.promise).resolves.toMatchObject({ name: 'photo.png' })

    api.failures.push(
      new ChatApiError(413, 'file_too_large', '"photo.png" is 30 MB; files are at most 25 MB.'),
    )
    await expect(start().promise).rejects.toThrow(
      /^"photo\.png" is 30 MB; files are at most 25 MB\.$/,
    )
    api.failures.push(new ChatApiError(401, 'token_expired', 'Your session expired.'))
    await expect(start().promise).rejects.toThrow(/^photo\.png: Your session expired\.$/)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('waits as long as the function asks on a rate limit', async () => {
    const { api, clock, storage, start } = setup()
    api.failures.push(new ChatApiError(429, 'rate_limited', 'Slow down.', 5000))
    const { promise } = start()
    expect(await clock.scheduled.next()).toBe(5000)
    clock.advance(5000)
    ;(await storage.puts.next()).respond(200)
    await expect(promise).resolves.toMatchObject({ name: 'photo.png' })
  })

  it('cancels a PUT in flight with an AbortError, aborting the request', async () => {
    const { clock, storage, start } = setup()
    const controller = new AbortController()
    const { promise } = start(photo, { signal: controller.signal })

    const put = await storage.puts.next()
    controller.abort()
    expect(put.request.signal?.aborted).toBe(true)
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' })
    // Storage answering afterwards changes nothing.
    put.respond(200)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('cancels while waiting to retry: the timer is cleared and nothing more is sent', async () => {
    const { clock, storage, start } = setup()
    const controller = new AbortController()
    const { promise } = start(photo, { signal: controller.signal })

    ;(await storage.puts.next()).respond(0)
    await clock.scheduled.next()
    controller.abort()
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' })
    expect(clock.pendingTimers()).toBe(0)
    clock.advance(10_000)
    expect(storage.puts.size).toBe(0)
  })

  it('does not start when already cancelled', async () => {
    const { api, start } = setup()
    const { promise } = start(photo, { signal: AbortSignal.abort() })
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' })
    expect(api.requests).toEqual([])
  })
})

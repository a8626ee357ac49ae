// The function's log as an operator reads it: one JSON line per request and per error answer, the
// request id in every error answer, and nothing a person wrote or any key in any line.
import { createHmac } from 'node:crypto'
import { Hono } from 'hono'
import { afterAll, describe, expect, it, vi } from 'vitest'
import {
  createChatHarness,
  expectError,
  PNG_BYTES,
  TEST_API_KEY,
  uniqueRoom,
} from '../../test/chat-harness.ts'
import { createChatApp } from './app.ts'
import { loadChatConfig } from './config.ts'
import type { MessageStore } from './message-store.ts'
import { jsonLineLog, type LogLine } from './request-log.ts'

const LOG_SALT = 'test-log-salt-0123456789abcdef'
const chat = createChatHarness({ logSalt: LOG_SALT })
afterAll(() => chat.close())

/** The lines logged for one request, by its id. */
const linesOf = (response: Response): LogLine[] => {
  const requestId = response.headers.get('X-Request-Id')
  return chat.logLines
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.requestId === requestId)
}

/** The hash an operator computes to find one person's lines: HMAC-SHA-256(salt, id), 16 hex. */
const userHash = (userId: string, salt = LOG_SALT) =>
  createHmac('sha256', salt).update(userId).digest('hex').slice(0, 16)

describe('the request id', () => {
  it('names every answer in X-Request-Id, and every error body by the same id', async () => {
    const room = uniqueRoom('ids')
    const ok = await chat.call('GET', '/health')
    const refused = await chat.call('GET', `/rooms/${room}/messages`)
    const nowhere = await chat.call('GET', '/nowhere')
    const ids = [ok, refused, nowhere].map((answer) => answer.headers.get('X-Request-Id'))
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(new Set(ids).size).toBe(3)

    const body = await refused.json()
    expect(body.error).toMatchObject({ code: 'missing_token', requestId: ids[1] })
    expect((await nowhere.json()).error.requestId).toBe(ids[2])
  })

  it('keeps a caller’s X-Request-Id when it is a short safe token, and replaces anything else', async () => {
    const sent = (id: string) =>
      chat.call('GET', '/rooms/x/messages', { headers: { 'X-Request-Id': id } })
    const kept = await sent('support-case_42')
    expect(kept.headers.get('X-Request-Id')).toBe('support-case_42')
    expect((await kept.json()).error.requestId).toBe('support-case_42')

    for (const unsafe of ['a'.repeat(65), 'eyJh.eyJz.sig', 'two words', '<script>', 'ü-ber']) {
      const replaced = await sent(unsafe)
      expect(replaced.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
      expect(JSON.stringify(await replaced.json())).not.toContain(unsafe)
    }
  })

  it('is readable by a browser page on another origin, and may be sent by it', async () => {
    const preflight = await chat.call('OPTIONS', '/rooms/x/messages', {
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'x-request-id',
      },
    })
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toMatch(/X-Request-Id/i)
    const answer = await chat.call('GET', '/health', { headers: { Origin: 'https://app.example' } })
    expect(answer.headers.get('Access-Control-Expose-Headers')).toMatch(/X-Request-Id/i)
  })
})

describe('the request log', () => {
  it('writes one line per request: method, route pattern, status, duration, id and user hash', async () => {
    const member = await chat.member(uniqueRoom('logged'), 'Lou')
    const id = chat.newIdFor(member.token)
    const written = await chat.call('POST', `/rooms/${member.room}/messages`, {
      token: member.token,
      body: { id, body: 'first words' },
    })
    expect(written.status).toBe(201)

    expect(linesOf(written)).toEqual([
      {
        event: 'request',
        requestId: written.headers.get('X-Request-Id'),
        method: 'POST',
        route: '/chat/rooms/:room/messages',
        status: 201,
        durationMs: expect.any(Number),
        user: userHash(member.user.id),
      },
    ])
    const [line] = linesOf(written)
    expect(line?.event === 'request' && line.durationMs).toBeGreaterThanOrEqual(0)

    // The same person is the same hash on every request: their lines can be followed.
    const read = await chat.call('GET', `/rooms/${member.room}/messages/${id}`, {
      token: member.token,
    })
    expect(linesOf(read)).toEqual([
      expect.objectContaining({ route: '/chat/rooms/:room/messages/:id', status: 200 }),
    ])
    expect(linesOf(read)[0]?.user).toBe(userHash(member.user.id))
  })

  it('hashes user ids with the deployment’s salt: CHAT_LOG_SALT, else one derived from the signing key', async () => {
    const base = { DATABASE_URL: 'postgres://localhost/chat', DAILY_API_KEY: TEST_API_KEY }
    expect(loadChatConfig({ ...base, CHAT_LOG_SALT: LOG_SALT }).logSalt).toBe(LOG_SALT)
    const derived = loadChatConfig(base).logSalt
    expect(derived).toMatch(/^[0-9a-f]{64}$/)
    expect(derived).not.toContain(TEST_API_KEY)
    expect(loadChatConfig(base).logSalt).toBe(derived)
    expect(loadChatConfig({ ...base, DAILY_API_KEY: `${TEST_API_KEY}-other` }).logSalt).not.toBe(
      derived,
    )
    expect(() => loadChatConfig({ ...base, CHAT_LOG_SALT: 'short' })).toThrow(
      /CHAT_LOG_SALT: .*at least 16/,
    )

    // Another deployment (another salt) gives the same person another hash.
    const other = createChatHarness({ logSalt: 'another-deployment-salt-0123' })
    try {
      const member = await other.member(uniqueRoom('salted'), 'Sal')
      await other.call('GET', `/rooms/${member.room}/messages`, { token: member.token })
      const [line] = other.logLines.map((text) => JSON.parse(text))
      expect(line.user).toBe(userHash(member.user.id, 'another-deployment-salt-0123'))
      expect(line.user).not.toBe(userHash(member.user.id))
    } finally {
      await other.close()
    }
  })

  it('writes one line per error answer, with its code, before its request line', async () => {
    const room = uniqueRoom('errors')
    const missing = await chat.call('POST', `/rooms/${room}/messages`, { body: { body: 'x' } })
    await expectError(missing, 401, 'missing_token')
    const requestId = missing.headers.get('X-Request-Id')
    expect(linesOf(missing)).toEqual([
      {
        event: 'error',
        requestId,
        method: 'POST',
        route: '/chat/rooms/:room/messages',
        status: 401,
        code: 'missing_token',
      },
      expect.objectContaining({ event: 'request', requestId, status: 401 }),
    ])

    // An address nobody answers, and a method nobody answers there: no route, never the path.
    const nowhere = await chat.call('GET', `/rooms/${room}/nothing-here`)
    expect(linesOf(nowhere).map((line) => [line.event, line.route, line.status])).toEqual([
      ['error', null, 404],
      ['request', null, 404],
    ])
    const wrongMethod = await chat.call('PUT', `/rooms/${room}/messages`)
    expect(linesOf(wrongMethod)[0]).toMatchObject({ code: 'method_not_allowed', status: 405 })
    expect(JSON.stringify(linesOf(nowhere))).not.toContain(room)
  })

  it('reads the route pattern the same when the app is mounted under /functions/v1', async () => {
    const root = new Hono().route('/functions/v1', chat.app)
    const answer = await root.request('/functions/v1/chat/rooms/x/messages')
    expect(linesOf(answer)).toEqual([
      expect.objectContaining({ event: 'error', route: '/chat/rooms/:room/messages' }),
      expect.objectContaining({ event: 'request', route: '/chat/rooms/:room/messages' }),
    ])
  })

  it('writes each line as one JSON object, as info, warning (4xx) or error (5xx)', () => {
    const written: [string, string][] = []
    const log = jsonLineLog((level, text) => written.push([level, text]))
    const common = { requestId: 'r', method: 'GET', route: null, status: 200 }
    log({ event: 'request', ...common, durationMs: 1 })
    log({ event: 'error', ...common, status: 429, code: 'rate_limited' })
    log({ event: 'error', ...common, status: 500, code: 'internal_error' }, new TypeError('x'))
    expect(written.map(([level]) => level)).toEqual(['info', 'warn', 'error'])
    for (const [, text] of written) {
      expect(text).not.toContain('\n')
      expect(JSON.parse(text)).toMatchObject({ requestId: 'r' })
    }
    expect(JSON.parse(written[2]?.[1] ?? '').cause).toMatchObject({ name: 'TypeError' })
  })

  it('prints only what was thrown behind a 5xx, in full, when no log is given', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    const logged = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      const thrown = new Error('the store broke')
      const app = createChatApp({ ...chat.deps, store: failingStore(thrown), log: undefined })
      expect((await app.request('/chat/rooms/x/messages')).status).toBe(401)
      const member = await chat.member(uniqueRoom('unlogged'))
      const answer = await app.request(`/chat/rooms/${member.room}/messages`, {
        headers: { Authorization: `Bearer ${member.token}` },
      })
      expect(answer.status).toBe(500)
      expect(printed.mock.calls).toEqual([['chat: unexpected error:', thrown]])
      expect(logged).not.toHaveBeenCalled()
    } finally {
      printed.mockRestore()
      logged.mockRestore()
    }
  })
})

/** A message store every call of which throws `error`. */
function failingStore(error: Error): MessageStore {
  return new Proxy(chat.deps.store, {
    get: (store, name) =>
      name === 'close'
        ? store.close
        : async () => {
            throw error
          },
  })
}

describe('a whole run of the chat function, as the log sees it', () => {
  it('writes no token, message text, user id or name, file name, key or secret in any line', async () => {
    const room = uniqueRoom('secretive')
    const secrets = new Set<string>([TEST_API_KEY, LOG_SALT, room])
    const keep = (...values: string[]) => {
      for (const value of values) secrets.add(value)
    }
    const ok = async (answer: Promise<Response>, status = 200) => {
      const response = await answer
      expect(response.status, await response.clone().text()).toBe(status)
      return response
    }

    // Joining: the token, the new user's id and name.
    const joined = await ok(
      chat.call('POST', `/rooms/${room}/tokens`, { body: { userName: 'Pseudonymous Pat' } }),
      201,
    )
    const pat = await joined.json()
    keep(pat.token, pat.user.id, pat.user.name)
    const owner = await chat.member(room, 'Owner Olga')
    const ownerToken = await chat.tokenFor(room, 'Owner Olga', { owner: true })
    keep(owner.token, owner.user.id, ownerToken, 'Owner Olga')
    const as = (token: string) => ({ token })

    // Posting, reading, editing, reacting, replying, searching, pinning, reporting, polls, files.
    const said = 'the launch code is swordfish'
    const messageId = chat.newIdFor(pat.token)
    keep(said, messageId)
    await ok(
      chat.call('POST', `/rooms/${room}/messages`, {
        ...as(pat.token),
        body: { id: messageId, body: said },
      }),
      201,
    )
    await ok(chat.call('GET', `/rooms/${room}/messages`, as(owner.token)))
    await ok(chat.call('GET', `/rooms/${room}/messages/${messageId}`, as(owner.token)))
    const edited = 'the launch code is marlin'
    keep(edited)
    await ok(
      chat.call('PATCH', `/rooms/${room}/messages/${messageId}`, {
        ...as(pat.token),
        body: { body: edited },
      }),
    )
    const emoji = encodeURIComponent('🎉')
    await ok(
      chat.call('PUT', `/rooms/${room}/messages/${messageId}/reactions/${emoji}`, as(owner.token)),
    )
    await ok(
      chat.call(
        'DELETE',
        `/rooms/${room}/messages/${messageId}/reactions/${emoji}`,
        as(owner.token),
      ),
      204,
    )
    const replyId = chat.newIdFor(owner.token)
    const reply = 'only Olga knows the other half'
    keep(replyId, reply)
    await ok(
      chat.call('POST', `/rooms/${room}/messages`, {
        ...as(owner.token),
        body: { id: replyId, body: reply, replyTo: messageId },
      }),
      201,
    )
    const query = 'marlin'
    await ok(chat.call('GET', `/rooms/${room}/search?q=${query}`, as(owner.token)))
    await ok(chat.call('PUT', `/rooms/${room}/messages/${messageId}/pin`, as(ownerToken)))
    await ok(chat.call('GET', `/rooms/${room}/pins`, as(owner.token)))
    const reason = 'shares the launch code with strangers'
    keep(reason)
    await ok(
      chat.call('POST', `/rooms/${room}/messages/${messageId}/reports`, {
        ...as(owner.token),
        body: { reason },
      }),
      201,
    )
    await ok(chat.call('GET', `/rooms/${room}/reports`, as(ownerToken)))
    const pollId = chat.newIdFor(pat.token)
    const options = ['Tuesday at the pier', 'Friday by the lighthouse']
    keep(pollId, ...options, 'Where do we meet?')
    await ok(
      chat.call('POST', `/rooms/${room}/messages`, {
        ...as(pat.token),
        body: { id: pollId, body: 'Where do we meet?', poll: { options } },
      }),
      201,
    )
    await ok(
      chat.call('PUT', `/rooms/${room}/messages/${pollId}/poll/vote`, {
        ...as(owner.token),
        body: { option: 1 },
      }),
    )
    await ok(chat.call('POST', `/rooms/${room}/messages/${pollId}/poll/close`, as(pat.token)))
    const fileName = 'passport-scan.png'
    keep(fileName)
    const attachment = await chat.uploadFile(room, pat.token, {
      bytes: PNG_BYTES,
      name: fileName,
    })
    keep(attachment.path)
    const fileMessageId = chat.newIdFor(pat.token)
    keep(fileMessageId)
    await ok(
      chat.call('POST', `/rooms/${room}/messages`, {
        ...as(pat.token),
        body: { id: fileMessageId, body: '', attachments: [attachment] },
      }),
      201,
    )
    await ok(
      chat.call('POST', `/rooms/${room}/attachments/sign`, {
        ...as(owner.token),
        body: { attachments: [attachment] },
      }),
    )
    await ok(chat.call('GET', `/rooms/${room}/changes?since=0`, as(owner.token)))
    await ok(chat.call('GET', `/rooms/${room}/settings`, as(owner.token)))
    await ok(
      chat.call('PUT', `/rooms/${room}/settings`, {
        ...as(ownerToken),
        body: { send: 'everyone', slowModeSeconds: 0, privateMessages: true },
      }),
    )
    await ok(chat.call('GET', `/rooms/${room}/transcript?format=md`, as(owner.token)))
    await ok(chat.call('DELETE', `/rooms/${room}/messages/${replyId}`, as(owner.token)), 204)

    // Errors: a wrong token, another room's token, bad input that quotes what was sent, a
    // message id of someone else, an unknown address, and an unexpected failure whose message
    // carries a person's words and a token.
    await ok(chat.call('GET', `/rooms/${room}/messages`, as(`${pat.token}x`)), 401)
    const elsewhere = await chat.tokenFor(uniqueRoom('elsewhere'), 'Eve Elsewhere')
    keep(elsewhere, 'Eve Elsewhere')
    await ok(chat.call('GET', `/rooms/${room}/messages`, as(elsewhere)), 403)
    const tooLong = `${said} `.repeat(1000)
    await ok(
      chat.call('POST', `/rooms/${room}/messages`, {
        ...as(pat.token),
        body: { id: chat.newIdFor(pat.token), body: tooLong, secret: said },
      }),
      400,
    )
    await ok(
      chat.call('POST', `/rooms/${room}/messages`, { ...as(pat.token), body: `{"body": "${said}` }),
      400,
    )
    await ok(
      chat.call('POST', `/rooms/${room}/messages`, {
        ...as(pat.token),
        body: { id: chat.newIdFor(owner.token), body: said },
      }),
      403,
    )
    await ok(chat.call('GET', `/rooms/${room}/search?q=${query}&extra=${said}`, as(pat.token)), 400)
    await ok(chat.call('GET', `/rooms/${room}/nothing/${said}`, as(pat.token)), 404)
    const failing = createChatApp({
      ...chat.deps,
      store: failingStore(new Error(`cannot store "${said}" for ${pat.token} (${pat.user.id})`)),
    })
    const failed = await failing.request(`/chat/rooms/${room}/messages`, {
      headers: { Authorization: `Bearer ${pat.token}` },
    })
    expect(failed.status).toBe(500)

    // The run was logged, request by request and error by error...
    const lines = chat.logLines.map((text) => JSON.parse(text) as LogLine)
    const routes = new Set(lines.map((line) => line.route))
    for (const route of [
      '/chat/rooms/:room/tokens',
      '/chat/rooms/:room/messages',
      '/chat/rooms/:room/messages/:id',
      '/chat/rooms/:room/messages/:id/reactions/:emoji',
      '/chat/rooms/:room/search',
      '/chat/rooms/:room/transcript',
    ]) {
      expect(routes).toContain(route)
    }
    const codes = lines.flatMap((line) => (line.event === 'error' ? [line.code] : []))
    for (const code of [
      'invalid_token',
      'wrong_room',
      'invalid_input',
      'invalid_json',
      'foreign_message_id',
      'not_found',
      'internal_error',
    ]) {
      expect(codes).toContain(code)
    }
    expect(JSON.stringify(lines)).toContain(userHash(pat.user.id))

    // ...and not one line holds anything secret or anything a person wrote or named.
    const leaks = chat.logLines.flatMap((line) =>
      [...secrets].filter((secret) => line.includes(secret)).map((secret) => ({ secret, line })),
    )
    expect(leaks).toEqual([])
  })
})

// The chat as people use it: real Chromium, one browser context per person, the whole local stack
// (SPA, chat function, PostgreSQL, relay). Every test has a room of its own.
import { randomUUID } from 'node:crypto'
import type { Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { newMessageId } from '../functions/_shared/protocol.ts'
import {
  chatFunction,
  expectHidden,
  expectVisible,
  holdMessageWrites,
  MESSAGES_ROUTE,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'
import { connectRaw } from './raw-relay.ts'

/** How long a live message may take to reach the other side. */
const LIVE_MS = STEP_MS
/** Loading history, or catching up after a reconnect (backoff included). */
const CATCH_UP_MS = 15_000
const RETRYING = 'not saved — retrying'

const nowIso = () => new Date().toISOString()

const session = setupE2ESession()
const join = session.join.bind(session)

/** Nobody's page threw, and no console error except the ones a test provokes on purpose. */
function expectNoProblems(allowed: RegExp[] = []) {
  for (const person of session.people) {
    expect(person.problems(allowed), `${person.name}'s page`).toEqual([])
  }
}

it('two people chat both ways, each seeing their own message at once', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  await expectVisible(
    ana.page.getByRole('list', { name: 'Participants' }).getByText('Ben'),
    LIVE_MS,
  )

  // With the write held, the sender's copy can only come from the page itself.
  const releaseAna = await holdMessageWrites(ana.page)
  await ana.send('Hi Ben, Ana here')
  await expectVisible(ana.message('Hi Ben, Ana here'))
  await expectVisible(ben.message('Hi Ben, Ana here'), LIVE_MS)

  // Ben answers while Ana's write is still on its way: once it is stored (after Ben's), her
  // message must not jump below his reply on her screen.
  await ben.send('Hello Ana!')
  await expectVisible(ben.message('Hello Ana!'))
  await expectVisible(ana.message('Hello Ana!'), LIVE_MS)
  await ben.allSaved()
  await releaseAna()
  await ana.allSaved()

  const conversation = ['Hi Ben, Ana here', 'Hello Ana!']
  await expect.poll(() => ana.messages()).toEqual(conversation)
  await expect.poll(() => ben.messages()).toEqual(conversation)
  expectNoProblems()
})

it('someone who joins late sees the earlier messages, in order, once each', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  // Each one stored before the next, so the order is the conversation's and no write race.
  await ana.send('First, from Ana')
  await expectVisible(ben.message('First, from Ana'), LIVE_MS)
  await ana.allSaved()
  await ben.send('Second, from Ben')
  await expectVisible(ana.message('Second, from Ben'), LIVE_MS)
  await ben.allSaved()
  await ana.send('Third, from Ana')
  await expectVisible(ben.message('Third, from Ana'), LIVE_MS)
  await ana.allSaved()

  const cyd = await join('Cyd', room)
  const earlier = ['First, from Ana', 'Second, from Ben', 'Third, from Ana']
  await expect.poll(() => cyd.messages(), { timeout: CATCH_UP_MS }).toEqual(earlier)
  // A live message after the history: had history and live overlapped, a copy would show now.
  await ben.send('Welcome, Cyd')
  await expectVisible(cyd.message('Welcome, Cyd'), LIVE_MS)
  expect(await cyd.messages()).toEqual([...earlier, 'Welcome, Cyd'])
  expectNoProblems()
}, 30_000)

it('a reload keeps the conversation', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  await ana.send('Before the reload, from Ana')
  await expectVisible(ben.message('Before the reload, from Ana'), LIVE_MS)
  await ana.allSaved()
  await ben.send('Before the reload, from Ben')
  await expectVisible(ana.message('Before the reload, from Ben'), LIVE_MS)
  await ben.allSaved()
  const before = await ana.messages()
  expect(before).toEqual(['Before the reload, from Ana', 'Before the reload, from Ben'])

  await ana.page.reload()

  await expectVisible(ana.log, CATCH_UP_MS)
  await expect.poll(() => ana.messages(), { timeout: CATCH_UP_MS }).toEqual(before)
  // Still in the call, not only in the history.
  await ben.send('After the reload')
  await expectVisible(ana.message('After the reload'), CATCH_UP_MS)
  expect(await ana.messages()).toEqual([...before, 'After the reload'])
  expectNoProblems()
}, 30_000)

it('while message writes fail, messages still go out live and are saved once writes work', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  const failWrites = (route: Route) =>
    route.request().method() === 'POST'
      ? route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            error: { code: 'database_unavailable', message: 'The database is not answering.' },
          }),
        })
      : route.fallback()
  await ana.page.route(MESSAGES_ROUTE, failWrites)

  await ana.send('Sent while writes fail')
  await ana.send('Also sent while writes fail')
  await expectVisible(ben.message('Sent while writes fail'), LIVE_MS)
  await expectVisible(ben.message('Also sent while writes fail'), LIVE_MS)
  await expect
    .poll(() => ana.log.getByText(RETRYING).filter({ visible: true }).count(), {
      timeout: CATCH_UP_MS,
    })
    .toBe(2)

  await ana.page.unroute(MESSAGES_ROUTE, failWrites)
  // Neither "retrying" nor given up ("not saved"): the retries went through by themselves.
  await expectHidden(ana.log.getByText(/not saved/), 35_000)
  await ana.allSaved()

  const cyd = await join('Cyd', room)
  await expect
    .poll(() => cyd.messages(), { timeout: CATCH_UP_MS })
    .toEqual(['Sent while writes fail', 'Also sent while writes fail'])
  expectNoProblems([/status of 503/])
}, 60_000)

/** Ana and Ben in a new room; Ben sees a first message, then his network goes. */
async function benGoesOffline() {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room, { droppableRelay: true })
  await ana.send('Before Ben goes offline')
  await expectVisible(ben.message('Before Ben goes offline'), LIVE_MS)
  await ben.network.offline()
  return { room, ana, ben }
}

it('someone who was offline gets what was said meanwhile when they come back', async () => {
  const { ana, ben } = await benGoesOffline()
  // The relay saw Ben's connection end: what Ana sends now cannot reach him live.
  const anasParticipants = ana.page.getByRole('list', { name: 'Participants' })
  await expectHidden(anasParticipants.getByText('Ben'), LIVE_MS)
  const meanwhile = ['One while Ben is away', 'Two while Ben is away', 'Three while Ben is away']
  for (const text of meanwhile) await ana.send(text)
  await ana.allSaved()
  await ben.network.online()
  await expectVisible(anasParticipants.getByText('Ben'), CATCH_UP_MS)

  // The client reconnects with backoff and fills the gap from the history.
  await expect
    .poll(() => ben.messages(), { timeout: CATCH_UP_MS })
    .toEqual(['Before Ben goes offline', ...meanwhile])
  // Live again afterwards.
  await ana.send('Welcome back')
  await expectVisible(ben.message('Welcome back'), CATCH_UP_MS)
  expect(await ben.messages()).toEqual(['Before Ben goes offline', ...meanwhile, 'Welcome back'])
  expectNoProblems([/ERR_INTERNET_DISCONNECTED/])
}, 45_000)

it('someone back after many changes sees them all and stays at the newest message', async () => {
  const { room, ben } = await benGoesOffline()
  // More than one page of changes (200): the newest messages come first, and edits of the
  // earlier ones (newer changes) in the page after, between messages already shown.
  const api = chatFunction(session.app.url)
  const cyd = await api.tokenFor(room, 'Cyd')
  const said: { id: string }[] = []
  for (let i = 1; i <= 205; i += 1) said.push(await api.post(room, cyd, { body: `Meanwhile ${i}` }))
  for (const [i, { id }] of said.slice(0, 5).entries()) {
    await api.edit(room, cyd, id, `Meanwhile ${i + 1}, edited`)
  }
  await ben.network.online()

  await expectVisible(ben.message('Meanwhile 205'), CATCH_UP_MS)
  await expectVisible(ben.message('Meanwhile 204'))
  // Nothing left unread below: Ben is at the newest message.
  await expectHidden(ben.page.getByRole('button', { name: /New messages/ }))
  // And the earlier ones are there, edited, further up.
  await ben.log.evaluate((log) => log.scrollTo({ top: 0 }))
  await expectVisible(ben.message('Meanwhile 1, edited'))
  expectNoProblems([/ERR_INTERNET_DISCONNECTED/])
}, 60_000)

it('typing shows on the other side and clears when the message is sent', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  const field = ana.page.getByRole('textbox', { name: 'Message' })

  await field.pressSequentially('Just a mom')
  await expectVisible(ben.page.getByText('Ana is typing…'), LIVE_MS)

  await field.pressSequentially('ent')
  await field.press('Enter')
  await expectVisible(ben.message('Just a moment'), LIVE_MS)
  // The message itself ends the notice, not its expiry 5 s later: gone by the time it shows.
  expect(await ben.page.getByText('Ana is typing…').count()).toBe(0)
  expectNoProblems()
})

it('a 4,000-character message arrives whole', async () => {
  const room = uniqueRoom()
  const ana = await join('Ana', room)
  const ben = await join('Ben', room)
  // Numbered words, so a cut or a lost piece anywhere shows; the longest body the protocol takes,
  // which is too long for one live frame with its envelope.
  const words = Array.from({ length: 500 }, (_, index) => `w${String(index).padStart(4, '0')}xyz`)
  const long = words.join('-').slice(0, 4000)
  expect(long).toHaveLength(4000)

  await ana.send(long)

  await expect.poll(() => ben.messages(), { timeout: CATCH_UP_MS }).toEqual([long])
  await expect.poll(() => ana.messages()).toEqual([long])
  expectNoProblems()
})

describe('bad input from a hostile client', () => {
  it('drops invalid envelopes sent straight to the relay', async () => {
    const room = uniqueRoom()
    const ben = await join('Ben', room)
    const mallory = await connectRaw(
      session.app.url,
      await chatFunction(session.app.url).tokenFor(room, 'Mallory'),
    )
    const { userId } = mallory
    const logged = ben.console.length
    const garbage: unknown[] = [
      {
        v: 1,
        type: 'chat',
        id: 'not-a-uuid',
        body: '<img src=x onerror=alert(1)>',
        createdAt: nowIso(),
      },
      { v: 99 },
      { v: 99, type: 'chat', id: randomUUID(), body: 'from the future' },
      { v: 1, type: 'chat', id: randomUUID(), body: '   ', createdAt: nowIso() },
      { v: 1, type: 'chat', id: randomUUID(), body: 'no date' },
      { v: 1, type: 'chat', id: randomUUID(), body: 42, createdAt: nowIso() },
      // Well formed, but under an id that is not Mallory's (someone else's, or anyone's).
      { v: 1, type: 'chat', id: randomUUID(), body: 'under an id not mine', createdAt: nowIso() },
      { v: 1, type: 'chat-ref', id: randomUUID() },
      'string',
      null,
      [1, 2, 3],
    ]
    try {
      for (const data of garbage) mallory.send(data)
      // The relay keeps a connection's order: once this one shows, all of the above were handled.
      const valid = 'A valid message after the garbage'
      mallory.send({
        v: 1,
        type: 'chat',
        id: newMessageId(userId),
        body: valid,
        createdAt: nowIso(),
      })
      await expectVisible(ben.message(valid), LIVE_MS)
      expect(await ben.messages()).toEqual([valid])
    } finally {
      mallory.close()
    }
    // One line per dropped envelope also shows that each one did reach Ben's page.
    expect(ben.console.length - logged, 'Ben logs what was dropped').toBeGreaterThanOrEqual(
      garbage.length,
    )
    // Logged, not thrown: nothing the page did went uncaught.
    expect(ben.pageErrors).toEqual([])
  })

  it('shows markup as text and links only http(s) addresses', async () => {
    const room = uniqueRoom()
    const ana = await join('Ana', room)
    const ben = await join('Ben', room)
    const markup = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'

    await ana.send(markup)
    await expectVisible(ben.message(markup), LIVE_MS)
    for (const person of [ana, ben]) {
      expect(await person.log.getByTestId('message-body').locator('img, script').count()).toBe(0)
    }

    await ana.send('see https://example.com/x')
    const link = ben.log.getByRole('link', { name: 'https://example.com/x' })
    await expectVisible(link, LIVE_MS)
    expect(await link.getAttribute('href')).toBe('https://example.com/x')
    expect((await link.getAttribute('rel'))?.split(/\s+/).sort()).toEqual([
      'noopener',
      'noreferrer',
    ])

    await ana.send('javascript:alert(1)')
    await expectVisible(ben.message('javascript:alert(1)'), LIVE_MS)
    expect(await ben.log.getByRole('link').count()).toBe(1)
    expect(await ben.messages()).toEqual([
      markup,
      'see https://example.com/x',
      'javascript:alert(1)',
    ])

    // Checked last, so an injected handler had the time of two more messages to run.
    for (const person of [ana, ben]) {
      expect(await person.page.evaluate(() => Reflect.get(window, '__pwned'))).toBeUndefined()
    }
    expectNoProblems()
  })
})

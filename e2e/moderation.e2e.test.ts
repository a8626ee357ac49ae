// Fixing and removing words: edits and deletions seen live and in history, owners, blocks,
// transcripts.
import { readFile } from 'node:fs/promises'
import postgres from 'postgres'
import { afterAll, expect, inject, it } from 'vitest'
import {
  expectHidden,
  expectVisible,
  type Person,
  STEP_MS,
  setupE2ESession,
  uniqueRoom,
} from './browser.ts'

const session = setupE2ESession()
const sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} })
afterAll(() => sql.end())

const LIVE_MS = STEP_MS

/** The row of the message with this text, in this person's list. */
const row = (person: Person, text: string) =>
  person.log.locator('.bc-message', { has: person.page.getByText(text, { exact: true }) })

async function openActions(person: Person, text: string) {
  await row(person, text).getByRole('button', { name: 'Message actions' }).click()
  return person.page.getByRole('menu')
}

async function edit(person: Person, text: string, replacement: string) {
  await (await openActions(person, text)).getByRole('menuitem', { name: 'Edit' }).click()
  const field = person.page.getByRole('textbox', { name: 'Edit message' })
  await field.fill(replacement)
  await field.press('Enter')
  await expectVisible(person.message(replacement), LIVE_MS)
}

async function remove(person: Person, text: string) {
  await (await openActions(person, text)).getByRole('menuitem', { name: 'Delete' }).click()
  await row(person, text).getByRole('button', { name: 'Delete' }).click()
  await expectHidden(person.message(text), LIVE_MS)
}

it('edits and deletions reach the others live and a late joiner through history', async () => {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  const ben = await session.join('Ben', room)
  await ana.send('Meet at 10')
  await ana.send('Wrong room, sorry')
  await expectVisible(ben.message('Wrong room, sorry'), LIVE_MS)
  await ana.allSaved()

  await edit(ana, 'Meet at 10', 'Meet at 11')
  await expectVisible(ben.message('Meet at 11'), LIVE_MS)
  await expectVisible(row(ben, 'Meet at 11').getByText('edited'))
  expect(await ben.message('Meet at 10').count()).toBe(0)

  await remove(ana, 'Wrong room, sorry')
  await expectVisible(ben.log.getByText('Message deleted'), LIVE_MS)
  expect(await ben.message('Wrong room, sorry').count()).toBe(0)

  const cyd = await session.join('Cyd', room)
  await expect.poll(() => cyd.messages(), { timeout: 10_000 }).toEqual(['Meet at 11'])
  expect(await cyd.log.getByText('Message deleted').count()).toBe(0)
  await expectVisible(row(cyd, 'Meet at 11').getByText('edited'))

  // Up in the empty message field edits one's last message.
  const composer = ana.page.getByRole('textbox', { name: 'Message' })
  await composer.click()
  await composer.press('ArrowUp')
  const field = ana.page.getByRole('textbox', { name: 'Edit message' })
  await expectVisible(field)
  expect(await field.inputValue()).toBe('Meet at 11')
  await field.press('Escape')
  await expectHidden(field)
  for (const person of [ana, ben, cyd]) expect(person.problems(), person.name).toEqual([])
}, 60_000)

it("a room owner deletes someone else's message", async () => {
  const room = uniqueRoom()
  const ben = await session.join('Ben', room)
  await ben.send('Buy cheap watches')
  await ben.allSaved()
  const host = await session.joinAsOwner('Host', room)
  await expectVisible(host.message('Buy cheap watches'))

  const menu = await openActions(host, 'Buy cheap watches')
  expect(await menu.getByRole('menuitem', { name: 'Edit' }).count()).toBe(0)
  await menu.getByRole('menuitem', { name: 'Delete' }).click()
  await row(host, 'Buy cheap watches').getByRole('button', { name: 'Delete' }).click()
  await expectVisible(ben.log.getByText('Message deleted'), LIVE_MS)
  const [stored] = await sql`select deleted_by from chat.messages where body = 'Buy cheap watches'
    and room = ${room}`
  expect(stored?.deleted_by).not.toBeNull()
}, 30_000)

it('a blocked sender is refused, and told why', async () => {
  const room = uniqueRoom()
  const ben = await session.join('Ben', room)
  const userId = await ben.page.evaluate(
    () => JSON.parse(sessionStorage.getItem('backchannel.joined') ?? '{}').user.id as string,
  )
  await sql`insert into chat.blocked_senders (sender_id, room, reason)
    values (${userId}, ${room}, 'posting spam')`
  await ben.send('Am I still here?')
  await expectVisible(row(ben, 'Am I still here?').getByText(/posting spam/))
  const stored = await sql`select 1 from chat.messages where room = ${room}`
  expect(stored).toHaveLength(0)
})

it('downloads the transcript with the final text, without deleted messages', async () => {
  const room = uniqueRoom()
  const ana = await session.join('Ana', room)
  await ana.send('First draft')
  await ana.send('Delete me')
  await ana.send('Last words')
  await ana.allSaved()
  await edit(ana, 'First draft', 'Final text')
  await remove(ana, 'Delete me')

  const [download] = await Promise.all([
    ana.page.waitForEvent('download'),
    ana.page.getByRole('button', { name: 'Download transcript', exact: true }).click(),
  ])
  expect(download.suggestedFilename()).toBe(`${room}-transcript.md`)
  const markdown = await readFile((await download.path()) as string, 'utf8')
  expect(markdown).toContain(`# Transcript of ${room}`)
  expect(markdown).toMatch(/\*\*Ana\*\* · .*\(edited\)\n\n> Final text/)
  expect(markdown.indexOf('Final text')).toBeLessThan(markdown.indexOf('Last words'))
  expect(markdown).not.toContain('Delete me')
  expect(markdown).not.toContain('First draft')
}, 30_000)

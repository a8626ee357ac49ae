// Room chat controls over HTTP, as owners, members and ops use them: anyone reads them, only an
// owner changes them, and the function enforces them on every message (owners-only, chat off,
// slow mode), whichever instance a message reaches and whoever changed them (chat or Studio).
import { afterAll, describe, expect, it } from 'vitest'
import { createChatHarness, expectError, uniqueRoom, userIdOf } from '../../../test/chat-harness.ts'
import {
  DEFAULT_ROOM_SETTINGS,
  type RoomSettings,
  roomSettingsSchema,
} from '../../_shared/protocol.ts'

describe('/rooms/:room/settings', () => {
  const chat = createChatHarness({ rateLimit: { messages: 1000, windowSeconds: 10 } })
  afterAll(() => chat.close())

  async function setup() {
    const room = uniqueRoom('settings')
    const host = await chat.tokenFor(room, 'Host', { owner: true })
    const ana = await chat.tokenFor(room, 'Ana')
    return { room, host, ana }
  }

  const put = (room: string, token: string, body: unknown) =>
    chat.call('PUT', `/rooms/${room}/settings`, { token, body })

  async function settingsOf(room: string, token: string): Promise<RoomSettings> {
    const response = await chat.call('GET', `/rooms/${room}/settings`, { token })
    expect(response.status).toBe(200)
    return roomSettingsSchema.parse(await response.json())
  }

  const post = (room: string, token: string, body: string, id = chat.newIdFor(token)) =>
    chat.call('POST', `/rooms/${room}/messages`, { token, body: { id, body } })

  it('reads the defaults, and lets an owner (only) change them, credited to them', async () => {
    const { room, host, ana } = await setup()
    expect(await settingsOf(room, ana)).toEqual(DEFAULT_ROOM_SETTINGS)

    const change = { send: 'owners', slowModeSeconds: 30, privateMessages: false }
    const refused = await expectError(await put(room, ana, change), 403, 'owners_only')
    expect(refused.message).toMatch(/Only the room's owners/)
    expect(await settingsOf(room, ana)).toEqual(DEFAULT_ROOM_SETTINGS)

    const saved = await put(room, host, change)
    expect(saved.status).toBe(200)
    const kept = {
      ...change,
      retention: { kind: 'default' },
      questions: DEFAULT_ROOM_SETTINGS.questions,
      messagesNeedApproval: false,
    }
    expect(await saved.json()).toEqual(kept)
    expect(await settingsOf(room, ana)).toEqual(kept)
    const [row] = await chat.sql`select updated_by from chat.room_settings where room = ${room}`
    expect(row?.updated_by).toBe(userIdOf(host))
  })

  it('refuses settings that are not exactly the three fields in range (400, nothing saved)', async () => {
    const { room, host, ana } = await setup()
    for (const [body, field] of [
      [{ send: 'admins', slowModeSeconds: 0, privateMessages: true }, 'send'],
      [{ send: 'everyone', slowModeSeconds: 3601, privateMessages: true }, 'slowModeSeconds'],
      [{ send: 'everyone', slowModeSeconds: -1, privateMessages: true }, 'slowModeSeconds'],
      [{ send: 'everyone', slowModeSeconds: 1.5, privateMessages: true }, 'slowModeSeconds'],
      [{ send: 'everyone', slowModeSeconds: '10', privateMessages: true }, 'slowModeSeconds'],
      [{ send: 'everyone', slowModeSeconds: 0, privateMessages: 'no' }, 'privateMessages'],
      [{ send: 'everyone', slowModeSeconds: 0 }, 'privateMessages'],
      [{ ...DEFAULT_ROOM_SETTINGS, room: 'other' }, 'room'],
    ] as const) {
      const error = await expectError(await put(room, host, body), 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toEqual([field])
    }
    expect(await settingsOf(room, ana)).toEqual(DEFAULT_ROOM_SETTINGS)
  })

  it('sets the Q&A rules, keeps them when a PUT leaves them out, and refuses bad ones', async () => {
    const { room, host, ana } = await setup()
    const questions = { who: 'owners', anonymous: true, needApproval: true }
    const saved = await put(room, host, { ...DEFAULT_ROOM_SETTINGS, questions })
    expect(saved.status).toBe(200)
    expect((await saved.json()).questions).toEqual(questions)
    const { questions: _, ...withoutQuestions } = DEFAULT_ROOM_SETTINGS
    expect((await put(room, host, { ...withoutQuestions, send: 'owners' })).status).toBe(200)
    expect(await settingsOf(room, ana)).toEqual({ ...withoutQuestions, send: 'owners', questions })
    for (const [bad, field] of [
      [{ who: 'admins', anonymous: false, needApproval: false }, 'questions.who'],
      [{ who: 'chat', anonymous: 'yes', needApproval: false }, 'questions.anonymous'],
      [{ who: 'chat', anonymous: false }, 'questions.needApproval'],
      ['everyone', 'questions'],
    ] as const) {
      const body = { ...DEFAULT_ROOM_SETTINGS, questions: bad }
      const error = await expectError(await put(room, host, body), 400, 'invalid_input')
      expect(Object.keys(error.fields ?? {})).toEqual([field])
    }
    await expectError(
      await put(room, ana, {
        ...DEFAULT_ROOM_SETTINGS,
        questions: DEFAULT_ROOM_SETTINGS.questions,
      }),
      403,
      'owners_only',
    )
    expect((await settingsOf(room, ana)).questions).toEqual(questions)
  })

  it('turns approval of messages on, keeps it when a PUT leaves it out, and refuses a non-boolean', async () => {
    const { room, host, ana } = await setup()
    const saved = await put(room, host, { ...DEFAULT_ROOM_SETTINGS, messagesNeedApproval: true })
    expect(saved.status).toBe(200)
    expect((await saved.json()).messagesNeedApproval).toBe(true)
    const { messagesNeedApproval: _, ...without } = DEFAULT_ROOM_SETTINGS
    expect((await put(room, host, { ...without, slowModeSeconds: 5 })).status).toBe(200)
    expect(await settingsOf(room, ana)).toMatchObject({
      slowModeSeconds: 5,
      messagesNeedApproval: true,
    })
    const error = await expectError(
      await put(room, host, { ...DEFAULT_ROOM_SETTINGS, messagesNeedApproval: 'yes' }),
      400,
      'invalid_input',
    )
    expect(error.fields).toEqual({
      messagesNeedApproval: ['messagesNeedApproval is true or false.'],
    })
    await expectError(
      await put(room, ana, { ...DEFAULT_ROOM_SETTINGS, messagesNeedApproval: false }),
      403,
      'owners_only',
    )
    expect((await settingsOf(room, ana)).messagesNeedApproval).toBe(true)
  })

  it('owners only: members get 403 with the reason, owners still send', async () => {
    const { room, host, ana } = await setup()
    await put(room, host, { ...DEFAULT_ROOM_SETTINGS, send: 'owners' })
    const error = await expectError(await post(room, ana, 'hello?'), 403, 'owners_only')
    expect(error.message).toBe('Only owners can send messages in this room right now.')
    expect((await post(room, host, 'Questions at the end, please')).status).toBe(201)
    const [count] =
      await chat.sql`select count(*)::int as n from chat.messages where room = ${room}`
    expect(count?.n).toBe(1)
  })

  it('chat off: nobody sends, owners included; a retry of a stored message still answers 200', async () => {
    const { room, host, ana } = await setup()
    const id = chat.newIdFor(ana)
    expect((await post(room, ana, 'before', id)).status).toBe(201)
    await put(room, host, { ...DEFAULT_ROOM_SETTINGS, send: 'nobody' })
    const error = await expectError(await post(room, ana, 'after'), 403, 'chat_off')
    expect(error.message).toBe('Chat is turned off in this room.')
    await expectError(await post(room, host, 'me neither'), 403, 'chat_off')
    expect((await post(room, ana, 'before', id)).status).toBe(200)
  })

  it('slow mode: one message per N seconds per person, 429 with Retry-After; owners exempt', async () => {
    const { room, host, ana } = await setup()
    await put(room, host, { ...DEFAULT_ROOM_SETTINGS, slowModeSeconds: 30 })
    expect((await post(room, ana, 'first')).status).toBe(201)
    const second = await post(room, ana, 'second')
    const error = await expectError(second, 429, 'slow_mode')
    const wait = Number(second.headers.get('Retry-After'))
    expect(wait).toBeGreaterThanOrEqual(29)
    expect(wait).toBeLessThanOrEqual(30)
    expect(error.message).toBe(`Slow mode: wait ${wait} s`)
    expect((await post(room, host, 'one')).status).toBe(201)
    expect((await post(room, host, 'two')).status).toBe(201)

    // Ops turn it off in Studio: it applies to the next message.
    await chat.sql`update chat.room_settings set slow_mode_seconds = 0 where room = ${room}`
    expect((await post(room, ana, 'second')).status).toBe(201)
    const [row] = await chat.sql`select updated_by from chat.room_settings where room = ${room}`
    expect(row?.updated_by).not.toBe('')
  })

  describe('edits and reactions, which would publish all the same', () => {
    const edit = (room: string, token: string, id: string, body: string) =>
      chat.call('PATCH', `/rooms/${room}/messages/${id}`, { token, body: { body } })
    const react = (room: string, token: string, id: string, method = 'PUT', emoji = '🎉') =>
      chat.call(method, `/rooms/${room}/messages/${id}/reactions/${emoji}`, { token })
    async function stored(id: string) {
      const [row] = await chat.sql<{ body: string; revision: string; reactions: string[] }[]>`
        select body, revision,
               array(select user_id || ' ' || emoji from chat.reactions
                     where message_id = id order by user_id, emoji) as reactions
        from chat.messages where id = ${id}::uuid`
      return row
    }
    async function sent(room: string, token: string, body: string) {
      const id = chat.newIdFor(token)
      expect((await post(room, token, body, id)).status).toBe(201)
      return id
    }

    it('owners only: a member can neither edit nor react (403, nothing stored); owners can', async () => {
      const { room, host, ana } = await setup()
      const mine = await sent(room, ana, 'the deadline is Friday')
      const hosts = await sent(room, host, 'Questions at the end, please')
      expect((await react(room, ana, hosts, 'PUT', '👍')).status).toBe(200)
      await put(room, host, { ...DEFAULT_ROOM_SETTINGS, send: 'owners' })
      const [mineBefore, hostsBefore] = [await stored(mine), await stored(hosts)]

      const edited = await expectError(
        await edit(room, ana, mine, 'BUY CHEAP WATCHES'),
        403,
        'owners_only',
      )
      expect(edited.message).toBe('Only owners can send or edit messages in this room right now.')
      const reacted = await expectError(await react(room, ana, hosts), 403, 'owners_only')
      expect(reacted.message).toBe('Only owners can send messages or react in this room right now.')
      await expectError(await react(room, ana, mine), 403, 'owners_only')
      expect(await stored(mine)).toEqual(mineBefore)
      expect(await stored(hosts)).toEqual(hostsBefore)

      // Taking something back is still allowed: one's reaction, one's message.
      expect((await react(room, ana, hosts, 'DELETE', '👍')).status).toBe(204)
      expect((await stored(hosts))?.reactions).toEqual([])

      expect((await edit(room, host, hosts, 'Questions at the end')).status).toBe(200)
      expect((await react(room, host, mine)).status).toBe(200)
      expect(await stored(hosts)).toMatchObject({ body: 'Questions at the end' })
      expect((await stored(mine))?.reactions).toEqual([`${userIdOf(host)} 🎉`])

      expect(
        (await chat.call('DELETE', `/rooms/${room}/messages/${mine}`, { token: ana })).status,
      ).toBe(204)
    })

    it('chat off: nobody edits or reacts, owners included (403, nothing stored); deleting still works', async () => {
      const { room, host, ana } = await setup()
      const mine = await sent(room, ana, 'the deadline is Friday')
      const hosts = await sent(room, host, 'Questions at the end, please')
      await put(room, host, { ...DEFAULT_ROOM_SETTINGS, send: 'nobody' })
      const [mineBefore, hostsBefore] = [await stored(mine), await stored(hosts)]

      const edited = await expectError(await edit(room, ana, mine, 'new text'), 403, 'chat_off')
      expect(edited.message).toBe('Chat is turned off in this room: messages cannot be edited now.')
      // Even the same text: nothing is written either way, and the reason is the same.
      await expectError(await edit(room, ana, mine, 'the deadline is Friday'), 403, 'chat_off')
      await expectError(await edit(room, host, hosts, 'new text'), 403, 'chat_off')
      const reacted = await expectError(await react(room, ana, hosts), 403, 'chat_off')
      expect(reacted.message).toBe(
        'Chat is turned off in this room: reactions cannot be added now.',
      )
      await expectError(await react(room, host, mine), 403, 'chat_off')
      expect(await stored(mine)).toEqual(mineBefore)
      expect(await stored(hosts)).toEqual(hostsBefore)

      expect(
        (await chat.call('DELETE', `/rooms/${room}/messages/${mine}`, { token: ana })).status,
      ).toBe(204)
      // Turned back on (here in Studio): edits and reactions work again at once.
      await chat.sql`update chat.room_settings set send = 'everyone' where room = ${room}`
      expect((await edit(room, host, hosts, 'Questions now')).status).toBe(200)
      expect((await react(room, ana, hosts)).status).toBe(200)
    })

    it('private messages off: a private message cannot be edited or reacted to; public ones can', async () => {
      const { room, host, ana } = await setup()
      const ben = await chat.tokenFor(room, 'Ben')
      const privately = chat.newIdFor(ana)
      const response = await chat.call('POST', `/rooms/${room}/messages`, {
        token: ana,
        body: { id: privately, body: 'psst, Ben', to: userIdOf(ben) },
      })
      expect(response.status).toBe(201)
      const open = await sent(room, ana, 'hello all')
      await put(room, host, { ...DEFAULT_ROOM_SETTINGS, privateMessages: false })
      const before = await stored(privately)
      const edited = await expectError(
        await edit(room, ana, privately, 'psst!'),
        403,
        'private_off',
      )
      expect(edited.message).toMatch(/Private messages are turned off/)
      await expectError(await react(room, ben, privately), 403, 'private_off')
      expect(await stored(privately)).toEqual(before)
      expect((await edit(room, ana, open, 'hello everyone')).status).toBe(200)
      expect((await react(room, ben, open)).status).toBe(200)
    })

    it('slow mode does not slow edits or reactions (their own quotas do)', async () => {
      const { room, host, ana } = await setup()
      await put(room, host, { ...DEFAULT_ROOM_SETTINGS, slowModeSeconds: 30 })
      const mine = await sent(room, ana, 'teh deadline')
      await expectError(await post(room, ana, 'another'), 429, 'slow_mode')
      expect((await edit(room, ana, mine, 'the deadline')).status).toBe(200)
      expect((await react(room, ana, mine)).status).toBe(200)
    })

    it('leaves no database function that edits or reacts without asking the settings', async () => {
      const { room, host, ana } = await setup()
      const mine = await sent(room, ana, 'the deadline is Friday')
      await put(room, host, { ...DEFAULT_ROOM_SETTINGS, send: 'nobody' })
      // The signatures without the owner flag, from before the settings covered edits, are gone.
      await expect(
        chat.sql`select * from chat.edit_chat_message(${mine}::uuid, ${room}, ${userIdOf(ana)}, 'new text')`,
      ).rejects.toMatchObject({ code: '42883' })
      await expect(
        chat.sql`select * from chat.toggle_chat_reaction(${mine}::uuid, ${room}, ${userIdOf(host)}, '🎉', true)`,
      ).rejects.toMatchObject({ code: '42883' })
      expect((await stored(mine))?.body).toBe('the deadline is Friday')
    })
  })

  it('keeps the database to the rules whoever writes', async () => {
    const room = uniqueRoom('settings')
    await expect(
      chat.sql`insert into chat.room_settings (room, send) values (${room}, 'admins')`,
    ).rejects.toMatchObject({ constraint_name: 'room_settings_send' })
    await expect(
      chat.sql`insert into chat.room_settings (room, slow_mode_seconds) values (${room}, 7200)`,
    ).rejects.toMatchObject({ constraint_name: 'room_settings_slow_mode' })
  })

  describe('retention: how long the room keeps its chat', () => {
    const withRetention = (retention: unknown) => ({ ...DEFAULT_ROOM_SETTINGS, retention })

    it('an owner sets each kind; everyone in the room reads it back', async () => {
      const { room, host, ana } = await setup()
      for (const retention of [
        { kind: 'days', days: 30 },
        { kind: 'days', days: 1 },
        { kind: 'days', days: 3650 },
        { kind: 'call', graceMinutes: 15 },
        { kind: 'call', graceMinutes: 0 },
        { kind: 'call', graceMinutes: 10080 },
        { kind: 'default' },
      ]) {
        const saved = await put(room, host, withRetention(retention))
        expect(saved.status).toBe(200)
        expect((await saved.json()).retention).toEqual(retention)
        expect((await settingsOf(room, ana)).retention).toEqual(retention)
      }
    })

    it('a member may not change it (403, nothing saved)', async () => {
      const { room, ana } = await setup()
      const refused = await put(room, ana, withRetention({ kind: 'days', days: 1 }))
      await expectError(refused, 403, 'owners_only')
      expect((await settingsOf(room, ana)).retention).toEqual({ kind: 'default' })
      const [row] = await chat.sql`select count(*)::int as n from chat.room_settings
        where room = ${room}`
      expect(row?.n).toBe(0)
    })

    it('refuses a kind or a period out of range with 400 naming the field', async () => {
      const { room, host, ana } = await setup()
      await put(room, host, withRetention({ kind: 'days', days: 14 }))
      for (const [retention, field] of [
        [{ kind: 'forever' }, 'retention.kind'],
        [{ kind: 'days', days: 0 }, 'retention.days'],
        [{ kind: 'days', days: 3651 }, 'retention.days'],
        [{ kind: 'days', days: 2.5 }, 'retention.days'],
        [{ kind: 'days' }, 'retention.days'],
        [{ kind: 'call', graceMinutes: -1 }, 'retention.graceMinutes'],
        [{ kind: 'call', graceMinutes: 10081 }, 'retention.graceMinutes'],
        [{ kind: 'call', graceMinutes: '15' }, 'retention.graceMinutes'],
        [{ kind: 'call', graceMinutes: 15, days: 3 }, 'retention.days'],
        ['30 days', 'retention'],
      ] as const) {
        const error = await expectError(
          await put(room, host, withRetention(retention)),
          400,
          'invalid_input',
        )
        expect(Object.keys(error.fields ?? {})).toEqual([field])
      }
      expect((await settingsOf(room, ana)).retention).toEqual({ kind: 'days', days: 14 })
    })

    it('the database refuses out-of-range retention too, whoever writes it (Studio)', async () => {
      const { room } = await setup()
      for (const [kind, days, grace] of [
        ['days', 0, null],
        ['days', null, null],
        ['call', null, 10081],
        ['call', 3, 15],
        ['forever', null, null],
      ] as const) {
        await expect(
          chat.sql`insert into chat.room_settings (room, retention_kind, retention_days,
            retention_grace_minutes) values (${room}, ${kind}, ${days}, ${grace})`,
        ).rejects.toThrow(/room_settings_retention/)
      }
    })

    it('settings saved without retention leave it as it was', async () => {
      const { room, host, ana } = await setup()
      await put(room, host, withRetention({ kind: 'call', graceMinutes: 30 }))
      const saved = await put(room, host, {
        send: 'owners',
        slowModeSeconds: 0,
        privateMessages: true,
      })
      expect(saved.status).toBe(200)
      expect(await settingsOf(room, ana)).toEqual({
        send: 'owners',
        slowModeSeconds: 0,
        privateMessages: true,
        retention: { kind: 'call', graceMinutes: 30 },
        questions: DEFAULT_ROOM_SETTINGS.questions,
        messagesNeedApproval: false,
      })
    })

    it("answers the project's default retention when the function knows it", async () => {
      const configured = createChatHarness({ defaultRetentionDays: 45 })
      try {
        const room = uniqueRoom('settings')
        const ana = await configured.tokenFor(room, 'Ana')
        const response = await configured.call('GET', `/rooms/${room}/settings`, { token: ana })
        expect(await response.json()).toEqual({
          ...DEFAULT_ROOM_SETTINGS,
          defaultRetentionDays: 45,
        })
      } finally {
        await configured.close()
      }
    })
  })
})

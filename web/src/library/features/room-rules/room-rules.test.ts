import { DEFAULT_ROOM_SETTINGS, newMessageId, type RoomSettings } from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import { ben, benUser, FakeRoom, setup } from '../../../../test-support/fake-room.ts'
import { fakeRoute } from '../../../../test-support/fake-routes.ts'
import { fakeParticipant } from '../../../../test-support/fake-transport.ts'
import { RoomRules } from './room-rules.ts'

function rulesWith(settings: Partial<RoomSettings>, owner = false) {
  const clock = new FakeClock()
  const api = {
    loadSettings: vi.fn(async () => ({ ...DEFAULT_ROOM_SETTINGS, ...settings })),
    saveSettings: vi.fn(async (saved: RoomSettings) => saved),
  }
  const route = fakeRoute({
    'GET /settings': () => api.loadSettings(),
    'PUT /settings': ({ json }) => api.saveSettings(json as RoomSettings),
  })
  const rules = new RoomRules({ api: { route }, owner, clock, log: vi.fn() })
  return { rules, clock, api }
}

describe('RoomRules', () => {
  it('says why this user may not send: chat off, owners only, private messages off', async () => {
    const off = rulesWith({ send: 'nobody' }, true)
    await off.rules.refresh()
    expect(off.rules.refusal({ private: false })).toBe('Chat is turned off in this room.')

    const ownersOnly = rulesWith({ send: 'owners' })
    await ownersOnly.rules.refresh()
    expect(ownersOnly.rules.refusal({ private: false })).toBe(
      'Only owners can send messages in this room right now.',
    )
    const owner = rulesWith({ send: 'owners' }, true)
    await owner.rules.refresh()
    expect(owner.rules.refusal({ private: false })).toBeUndefined()

    const noPrivate = rulesWith({ privateMessages: false })
    await noPrivate.rules.refresh()
    expect(noPrivate.rules.refusal({ private: true })).toBe(
      'Private messages are turned off in this room.',
    )
    expect(noPrivate.rules.refusal({ private: false })).toBeUndefined()
  })

  it('counts slow mode down after each message sent, for members but not owners', async () => {
    const { rules, clock } = rulesWith({ slowModeSeconds: 30 })
    await rules.refresh()
    expect(rules.refusal({ private: false })).toBeUndefined()
    rules.sent()
    expect(rules.refusal({ private: false })).toBe('Slow mode: wait 30 s')
    clock.advance(18_500)
    expect(rules.refusal({ private: false })).toBe('Slow mode: wait 12 s')
    clock.advance(11_500)
    expect(rules.refusal({ private: false })).toBeUndefined()

    const owner = rulesWith({ slowModeSeconds: 30 }, true)
    await owner.rules.refresh()
    owner.rules.sent()
    expect(owner.rules.refusal({ private: false })).toBeUndefined()
  })

  it('lets through only the live messages the settings allow', async () => {
    const { rules } = rulesWith({ send: 'owners' })
    await rules.refresh()
    expect(rules.takesLiveMessage({ userId: 'ana', owner: false }, { private: false })).toBe(false)
    expect(rules.takesLiveMessage({ userId: 'host', owner: true }, { private: false })).toBe(true)

    const slow = rulesWith({ slowModeSeconds: 10 })
    await slow.rules.refresh()
    const ana = { userId: 'ana', owner: false }
    expect(slow.rules.takesLiveMessage(ana, { private: false })).toBe(true)
    slow.clock.advance(5000)
    expect(slow.rules.takesLiveMessage(ana, { private: false })).toBe(false)
    // A little early is the channel and clocks, not a modified client.
    slow.clock.advance(4200)
    expect(slow.rules.takesLiveMessage(ana, { private: false })).toBe(true)
    expect(slow.rules.takesLiveMessage({ userId: 'ben', owner: false }, { private: false })).toBe(
      true,
    )
  })

  it('follows a change of the Q&A rules alone, which the Questions view reads', async () => {
    const { rules, api } = rulesWith({})
    await rules.refresh()
    const questions = { who: 'owners', anonymous: true, needApproval: true } as const
    api.loadSettings.mockResolvedValueOnce({ ...DEFAULT_ROOM_SETTINGS, questions })
    await rules.refresh()
    expect(rules.getSnapshot().settings.questions).toEqual(questions)
  })

  it("sends the Q&A rules in an owner's PUT with the rest, and applies them as saved", async () => {
    const { rules, api } = rulesWith({}, true)
    await rules.refresh()
    const questions = { who: 'everyone', anonymous: true, needApproval: false } as const
    expect(await rules.save({ ...DEFAULT_ROOM_SETTINGS, send: 'owners', questions })).toBe(
      undefined,
    )
    expect(api.saveSettings).toHaveBeenCalledWith(
      expect.objectContaining({ send: 'owners', questions }),
    )
    expect(rules.getSnapshot().settings.questions).toEqual(questions)
  })

  it('keeps the settings it knows when reading them fails', async () => {
    const { rules, api } = rulesWith({ send: 'owners' })
    await rules.refresh()
    api.loadSettings.mockRejectedValueOnce(new Error('offline'))
    await rules.refresh()
    expect(rules.getSnapshot().settings.send).toBe('owners')
  })
})

describe('ChatClient and the room settings', () => {
  it("drops a member's live message for the room while messages need approval; owners' and private ones pass", async () => {
    const { rules } = rulesWith({ messagesNeedApproval: true })
    await rules.refresh()
    expect(rules.takesLiveMessage({ userId: 'ana', owner: false }, { private: false })).toBe(false)
    expect(rules.takesLiveMessage({ userId: 'ana', owner: false }, { private: true })).toBe(true)
    expect(rules.takesLiveMessage({ userId: 'host', owner: true }, { private: false })).toBe(true)
    expect(rules.awaitsApproval()).toBe(true)
    const owner = rulesWith({ messagesNeedApproval: true }, true)
    await owner.rules.refresh()
    expect(owner.rules.awaitsApproval()).toBe(false)
  })

  it('writes a member’s message that waits for approval without sending it live', async () => {
    const room = new FakeRoom()
    room.settings = { ...DEFAULT_ROOM_SETTINGS, messagesNeedApproval: true }
    const { client, transport } = setup(room)
    await client.start()
    expect(client.send('May I ask something?').ok).toBe(true)
    await vi.waitFor(() =>
      expect(room.writes.map((write) => write.body)).toEqual(['May I ask something?']),
    )
    expect(transport.sent).toEqual([])
  })

  it('refuses to send under owners-only, without sending anything live or writing', async () => {
    const room = new FakeRoom()
    room.settings = { ...DEFAULT_ROOM_SETTINGS, send: 'owners' }
    const { client, transport } = setup(room)
    await client.start()
    expect(client.send('hello?')).toEqual({
      ok: false,
      error: 'Only owners can send messages in this room right now.',
    })
    expect(transport.sent).toEqual([])
    expect(room.writes).toEqual([])
  })

  it("drops a member's live message that the settings refuse, and reads new settings when an owner says so", async () => {
    const room = new FakeRoom()
    const { client, transport, find } = setup(room)
    const host = { ...fakeParticipant('host', 'Host'), owner: true }
    transport.arrive(host)
    await client.start()
    room.settings = { ...DEFAULT_ROOM_SETTINGS, send: 'owners' }
    transport.deliver({ v: 1, type: 'settings' }, host.sessionId)
    await new Promise<void>((resolve) => {
      const unsubscribe = client.rules.subscribe(() => {
        if (client.rules.getSnapshot().settings.send !== 'owners') return
        unsubscribe()
        resolve()
      })
    })

    transport.deliver(
      {
        v: 1,
        type: 'chat',
        id: newMessageId(benUser.id),
        body: 'sneaking one in',
        createdAt: '2030-01-01T00:00:00.000Z',
      },
      ben.sessionId,
    )
    expect(find('sneaking one in')).toBeUndefined()
  })

  it("reads an owner's new Q&A rules when the owner says so, though nothing else changed", async () => {
    const room = new FakeRoom()
    const { client, transport } = setup(room)
    const host = { ...fakeParticipant('host', 'Host'), owner: true }
    transport.arrive(host)
    await client.start()
    const questions = { who: 'owners', anonymous: false, needApproval: true } as const
    room.settings = { ...room.settings, questions }
    transport.deliver({ v: 1, type: 'settings' }, host.sessionId)
    await new Promise<void>((resolve) => {
      const unsubscribe = client.rules.subscribe(() => {
        if (client.rules.getSnapshot().settings.questions?.who !== 'owners') return
        unsubscribe()
        resolve()
      })
    })
    expect(client.rules.getSnapshot().settings.questions).toEqual(questions)
  })
})

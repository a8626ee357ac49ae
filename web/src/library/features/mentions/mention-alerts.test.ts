import { newMessageId } from '@shared/protocol.ts'
import { describe, expect, it, vi } from 'vitest'
import {
  ben,
  benUser,
  me,
  setup as setupClient,
  stored,
  until,
} from '../../../../test-support/fake-room.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import { ArrivalLog } from '../unread/arrivals.ts'
import {
  ALERT_SETTINGS_KEY,
  AlertSettingsStore,
  mentionNotice,
  mentionsReader,
  watchMentions,
} from './mention-alerts.ts'

const message = (id: string, fields: Partial<TimelineMessage> = {}): TimelineMessage => ({
  id,
  sender: { id: 'ben', name: 'Ben' },
  body: `message ${id}`,
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  status: 'live',
  own: false,
  ...fields,
})

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial))
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  }
}

function setup({ hidden = true, sound = true } = {}) {
  const arrivals = new ArrivalLog()
  const settings = new AlertSettingsStore(memoryStorage())
  settings.setSound(sound)
  const state = { hidden }
  const notify = vi.fn()
  const playSound = vi.fn()
  const stop = watchMentions({
    arrivals,
    settings,
    hidden: () => state.hidden,
    notify,
    playSound,
  })
  let shown: TimelineMessage[] = []
  const arrive = (...messages: TimelineMessage[]) => {
    shown = [...shown, ...messages]
    arrivals.observe(shown)
  }
  return { arrive, notify, playSound, state, stop, settings }
}

describe('watchMentions', () => {
  it('notifies and plays a sound for a mention of the reader while the tab is hidden', () => {
    const { arrive, notify, playSound } = setup()
    arrive(message('1'), message('2', { body: '@Me look', mentionsMe: true }))
    expect(notify).toHaveBeenCalledExactlyOnceWith({
      title: 'Ben mentioned you',
      body: '@Me look',
      tag: '2',
    })
    expect(playSound).toHaveBeenCalledTimes(1)
  })

  it('stays quiet while the tab is visible, and for messages that mention someone else', () => {
    const { arrive, notify, playSound, state } = setup()
    arrive(message('1'))
    state.hidden = false
    arrive(message('2', { mentionsMe: true }))
    expect(notify).not.toHaveBeenCalled()
    expect(playSound).not.toHaveBeenCalled()
  })

  it('plays no sound once the reader turned it off, and still notifies', () => {
    const { arrive, notify, playSound } = setup({ sound: false })
    arrive(message('1', { mentionsMe: true }))
    expect(notify).toHaveBeenCalledTimes(1)
    expect(playSound).not.toHaveBeenCalled()
  })

  it('plays one sound for a burst of mentions, with a notification each', () => {
    const { arrive, notify, playSound } = setup()
    arrive(message('1', { mentionsMe: true }), message('2', { mentionsMe: true }))
    expect(notify.mock.calls.map(([notice]) => notice.tag)).toEqual(['1', '2'])
    expect(playSound).toHaveBeenCalledTimes(1)
  })

  it('stops when told to', () => {
    const { arrive, notify, stop } = setup()
    stop()
    arrive(message('1', { mentionsMe: true }))
    expect(notify).not.toHaveBeenCalled()
  })
})

describe('AlertSettingsStore', () => {
  it('keeps the sound setting across reloads, on by default, whatever storage holds', () => {
    const storage = memoryStorage()
    expect(new AlertSettingsStore(storage).getSnapshot()).toEqual({ sound: true })
    new AlertSettingsStore(storage).setSound(false)
    expect(new AlertSettingsStore(storage).getSnapshot()).toEqual({ sound: false })
    for (const junk of ['not json', '{"sound":"loud"}', 'null']) {
      const unreadable = memoryStorage({ [ALERT_SETTINGS_KEY]: junk })
      expect(new AlertSettingsStore(unreadable).getSnapshot()).toEqual({ sound: true })
    }
  })
})

describe('mentionNotice', () => {
  it('shortens a long message to the start of its text, on one line', () => {
    const notice = mentionNotice(message('1', { body: `@Me\n${'word '.repeat(60)}` }))
    expect(notice.body).toHaveLength(140)
    expect(notice.body.startsWith('@Me word word')).toBe(true)
    expect(notice.body.endsWith('…')).toBe(true)
  })
})

describe('mentionsReader', () => {
  const reader = { id: 'u-me', name: 'Me' }
  const asMe = { userId: 'u-me', name: 'Me' }
  const otherMe = { userId: 'u-other', name: 'Me' }

  it.each([
    ['@Me, look', [asMe], true],
    ['@Ana, look', [{ userId: 'u-me', name: 'Ana' }], false],
    ['@Me, look', [{ userId: 'u-other', name: 'Me' }], false],
    ['`@Me` is how you mention', [asMe], false],
    ['https://x.example/@Me', [asMe], false],
    ['@Meg, look', [asMe], false],
    // Two people called Me: the first @Me names the first of them.
    ['@Me, look', [otherMe, asMe], false],
    ['@Me and @Me, look', [otherMe, asMe], true],
  ])('%j with %j: %s', (body, mentions, expected) => {
    expect(mentionsReader({ body, mentions }, reader)).toBe(expected)
  })

  it('compares names by their Unicode form (NFC)', () => {
    const zoe = { id: 'u-zoe', name: 'Zo\u00EB' }
    const mentions = [{ userId: 'u-zoe', name: 'Zoe\u0308' }]
    expect(mentionsReader({ body: '@Zoe\u0308 hi', mentions }, zoe)).toBe(true)
  })
})

describe("a mention that labels the reader with someone else's name", () => {
  const labelledAna = [{ userId: me.id, name: 'Ana' }]

  it('does not mark a live message as mentioning the reader, nor alert them', async () => {
    const { transport, client, find } = setupClient()
    await client.start()
    transport.deliver(
      {
        v: 1,
        type: 'chat',
        id: newMessageId(ben.userId),
        body: '@Ana can you check?',
        mentions: labelledAna,
        createdAt: '2030-01-01T00:00:00.000Z',
      },
      ben.sessionId,
    )
    expect(find('@Ana can you check?')).toMatchObject({ status: 'live', mentions: labelledAna })
    expect(find('@Ana can you check?').mentionsMe).toBeUndefined()
  })

  it('does not mark one stored before the function checked labels', async () => {
    const { room, client, find } = setupClient()
    room.messages.push(
      stored('@Ana can you check?', { mentions: labelledAna }),
      stored('`@Me` in code', { mentions: [{ userId: me.id, name: me.name }] }),
      stored('@Me for real', { mentions: [{ userId: me.id, name: me.name }] }),
    )
    await client.start()
    expect(find('@Ana can you check?').mentionsMe).toBeUndefined()
    expect(find('`@Me` in code').mentionsMe).toBeUndefined()
    expect(find('@Me for real').mentionsMe).toBe(true)
  })
})

describe("the sender's own edit", () => {
  it('drops a mention when the edit turns @Ben into @Benjamin, as the function answers', async () => {
    const { client, find } = setupClient()
    await client.start()
    const mentionBen = { userId: benUser.id, name: 'Ben' }
    expect(client.send('@Ben, ready?', [], [], [mentionBen]).ok).toBe(true)
    await until(client, () => find('@Ben, ready?')?.status === 'saved')
    expect(find('@Ben, ready?').mentions).toEqual([mentionBen])
    const edited = await client.edit(find('@Ben, ready?').id, '@Benjamin, ready?')
    expect(edited.ok).toBe(true)
    expect(find('@Benjamin, ready?').mentions).toBeUndefined()
  })
})

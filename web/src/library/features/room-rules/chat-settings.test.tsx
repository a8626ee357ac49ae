import { DEFAULT_ROOM_SETTINGS, type RoomSettings } from '@shared/protocol.ts'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../../../../test-support/fake-clock.ts'
import { fakeRoute } from '../../../../test-support/fake-routes.ts'
import { ChatSettings } from './chat-settings.tsx'
import { RoomRules } from './room-rules.ts'

/** The owners' settings form as it first shows a room whose settings read as `settings`. */
async function formOf(settings: RoomSettings) {
  const route = fakeRoute({ 'GET /settings': () => settings })
  const rules = new RoomRules({ api: { route }, owner: true, clock: new FakeClock(), log: vi.fn() })
  await rules.refresh()
  return renderToStaticMarkup(
    <ChatSettings rules={rules} onSave={async () => ({ ok: true as const })} />,
  )
}

/** The Questions group's markup: from its legend to the end of its fieldset. */
const questionsGroup = (html: string) =>
  /<fieldset class="bc-chat-settings-questions">(.*?)<\/fieldset>/.exec(html)?.[1] ?? ''

/** What the group shows: the chosen "Who can ask questions" and the ticked checkboxes' names. */
function shownRules(html: string) {
  const group = questionsGroup(html)
  return {
    who: /<option value="[a-z]+" selected="">([^<]*)<\/option>/.exec(group)?.[1],
    ticked: [
      ...group.matchAll(/<label><input type="checkbox" checked=""\/> ([^<]*)<\/label>/g),
    ].map((match) => match[1]),
  }
}

describe("the owners' Questions settings", () => {
  it('offer who may ask, anonymous questions and approval, each named for assistive technology', async () => {
    const group = questionsGroup(await formOf(DEFAULT_ROOM_SETTINGS))
    expect(group).toMatch(/^<legend>Questions<\/legend>/)
    const select = /<label for="([^"]+)">Who can ask questions<\/label><select id="([^"]+)"/.exec(
      group,
    )
    expect(select?.[1]).toBe(select?.[2])
    expect([...group.matchAll(/<option value="([a-z]+)"[^>]*>([^<]*)</g)].map((m) => m[2])).toEqual(
      ['As for chat messages', 'Everyone', 'Only owners', 'No one'],
    )
    expect(group).toContain('Allow anonymous questions')
    expect(group).toContain('Questions need approval')
  })

  it("show the room's Q&A rules as read from the function", async () => {
    expect(shownRules(await formOf(DEFAULT_ROOM_SETTINGS))).toEqual({
      who: 'As for chat messages',
      ticked: [],
    })
    expect(
      shownRules(
        await formOf({
          ...DEFAULT_ROOM_SETTINGS,
          questions: { who: 'owners', anonymous: true, needApproval: true },
        }),
      ),
    ).toEqual({
      who: 'Only owners',
      ticked: ['Allow anonymous questions', 'Questions need approval'],
    })
    expect(
      shownRules(
        await formOf({
          ...DEFAULT_ROOM_SETTINGS,
          questions: { who: 'nobody', anonymous: false, needApproval: true },
        }),
      ),
    ).toEqual({ who: 'No one', ticked: ['Questions need approval'] })
  })
})

describe("the owners' setting for messages that need approval", () => {
  const approval = /<label><input type="checkbox"( checked="")?\/> Messages need approval/
  it('shows whether members’ messages wait for an owner, as read from the function', async () => {
    expect(approval.exec(await formOf(DEFAULT_ROOM_SETTINGS))?.[1]).toBeUndefined()
    const on = await formOf({ ...DEFAULT_ROOM_SETTINGS, messagesNeedApproval: true })
    expect(approval.exec(on)?.[1]).toBe(' checked=""')
  })
})

import { describe, expect, it } from 'vitest'
import { viewOf } from '../../../../test-support/message-view.ts'
import type { Result } from '../../engine/result.ts'
import { Store } from '../../engine/store.ts'
import type { MessageView, TimelineMessage } from '../../engine/timeline.ts'
import { type FocusTarget, MessageEditing } from './message-editing.ts'

const own = (id: string, body: string): TimelineMessage => ({
  id,
  sender: { id: 'user-me', name: 'Me' },
  body,
  attachments: [],
  createdAt: '2030-01-01T00:00:00.000Z',
  seq: 1,
  status: 'saved',
  own: true,
})

/** The client as editing sees it: its messages, who may edit, and edits the test answers. */
class FakeClient {
  edits: { id: string; text: string }[] = []
  answer: Result = { ok: true }
  readonly messages: Store<MessageView>

  constructor(messages: TimelineMessage[]) {
    this.messages = new Store(viewOf(messages))
  }

  show(messages: readonly TimelineMessage[]) {
    this.messages.set(viewOf(messages))
  }

  can = (action: 'edit' | 'remove', message: TimelineMessage) =>
    action === 'edit' && message.own && !message.deleted

  edit = async (id: string, text: string) => {
    this.edits.push({ id, text })
    return this.answer
  }
}

const button = (): FocusTarget => ({ focus: () => {}, isConnected: true })

function setup(messages = [own('a', 'first'), own('b', 'second')]) {
  const client = new FakeClient(messages)
  const editing = new MessageEditing(client)
  const changes: number[] = []
  editing.subscribe(() => changes.push(changes.length))
  return { client, editing, changes, state: () => editing.getSnapshot() }
}

describe('MessageEditing', () => {
  it('starts from the text shown, and keeps the draft when started again on it', () => {
    const { editing, state } = setup()

    editing.start('a', button())
    expect(state().editing).toEqual({ id: 'a', text: 'first', started: 1 })
    editing.changeDraft('first, better')
    editing.start('a', button())

    expect(state().editing).toEqual({ id: 'a', text: 'first, better', started: 2 })
  })

  it('saves through the client and ends editing when it worked, with focus to go back', async () => {
    const { client, editing, state } = setup()
    const from = button()
    editing.start('b', from)

    expect(await editing.save('b', 'second!')).toEqual({ ok: true })

    expect(client.edits).toEqual([{ id: 'b', text: 'second!' }])
    expect(state()).toEqual({ editing: undefined, ended: 1 })
    expect(editing.takeReturnFocus()).toBe(from)
    expect(editing.takeReturnFocus()).toBeNull()
  })

  it('keeps editing, draft and all, when the save is refused', async () => {
    const { client, editing, state } = setup()
    client.answer = { ok: false, error: 'Too long.' }
    editing.start('a', button())
    editing.changeDraft('x')

    expect(await editing.save('a', 'x')).toEqual({ ok: false, error: 'Too long.' })

    expect(state().editing).toMatchObject({ id: 'a', text: 'x' })
    expect(state().ended).toBe(0)
  })

  it('ends by itself once the message is deleted meanwhile', () => {
    const { client, editing, state } = setup()
    editing.start('a', button())

    client.show([{ ...own('a', ''), deleted: true }, own('b', 'second')])

    expect(state()).toEqual({ editing: undefined, ended: 1 })
  })

  it("edits one's latest editable message, or goes back to the one being edited", () => {
    const { editing, state } = setup()

    expect(editing.editLatest(button())).toBe(true)
    expect(state().editing?.id).toBe('b')
    editing.finish()
    editing.start('a', button())
    editing.editLatest(button())
    expect(state().editing?.id).toBe('a')

    const none = setup([])
    expect(none.editing.editLatest(button())).toBe(false)
  })

  it('lets only the first editor mount after a start take focus', () => {
    const { editing } = setup()
    editing.start('a', button())

    expect(editing.takeFocus()).toBe(true)
    expect(editing.takeFocus()).toBe(false)
  })

  it('hands out the same snapshot while nothing changes', () => {
    const { client, editing, state } = setup()
    editing.start('a', button())
    const before = state()

    client.show([...client.messages.getSnapshot().list()])

    expect(state()).toBe(before)
  })

  it('cancelling ends editing and asks for focus back', () => {
    const { editing, state, changes } = setup()
    editing.start('a', button())
    const before = changes.length

    editing.finish()

    expect(state()).toEqual({ editing: undefined, ended: 1 })
    expect(changes.length).toBe(before + 1)
  })
})

import { type Mention, mentionsNamedIn } from '@shared/protocol.ts'
import type { OutboxStorage } from '../../engine/outbox.ts'
import { Store } from '../../engine/store.ts'
import type { TimelineMessage } from '../../engine/timeline.ts'
import type { Arrivals } from '../unread/arrivals.ts'

/** The reader's choices about being alerted, kept across reloads. */
export interface AlertSettings {
  /** Play a short sound when someone mentions the reader while the tab is hidden. */
  sound: boolean
}

export const ALERT_SETTINGS_KEY = 'backchannel.alerts'
const DEFAULT_SETTINGS: AlertSettings = { sound: true }
/** How much of a message a desktop notification shows. */
const NOTIFICATION_TEXT_CHARS = 140

/**
 * The alert settings (a store), read from and written to storage (localStorage in the browser).
 * Anything unreadable there counts as the defaults.
 */
export class AlertSettingsStore extends Store<AlertSettings> {
  readonly #storage: OutboxStorage

  constructor(storage: OutboxStorage) {
    super(loadSettings(storage))
    this.#storage = storage
  }

  setSound(sound: boolean): void {
    const next = { ...this.getSnapshot(), sound }
    this.set(next)
    try {
      this.#storage.setItem(ALERT_SETTINGS_KEY, JSON.stringify(next))
    } catch (error) {
      // Private browsing or a full storage: the choice holds until the page closes.
      console.warn('Backchannel: could not keep the alert settings', error)
    }
  }
}

function loadSettings(storage: OutboxStorage): AlertSettings {
  try {
    const stored = JSON.parse(storage.getItem(ALERT_SETTINGS_KEY) ?? 'null')
    return typeof stored?.sound === 'boolean' ? { sound: stored.sound } : DEFAULT_SETTINGS
  } catch {
    // Not JSON (edited by hand, or another app's key): the defaults.
    return DEFAULT_SETTINGS
  }
}

/**
 * Whether a message mentions the reader: a mention of it is them (their user id) under the name
 * they have here, and its text shows it as a mention (a word of its own, outside code and links;
 * of two people of one name, the one its place in the text names). The function checks this for
 * what it stores, but nothing checks a live message on its way, nor what was stored before it
 * checked: a mention that labels the reader "Ana" when they are Ben is no mention of them, so
 * nobody can make "@Ana" alert Ben. After a rename, mentions of the old name no longer count.
 *
 * @example mentionsReader({ body: '@Ben hi', mentions: [{ userId: 'b', name: 'Ben' }] }, ben) // true
 */
export function mentionsReader(
  message: { body: string; mentions?: readonly Mention[] },
  reader: { id: string; name?: string },
): boolean {
  const name = reader.name?.normalize('NFC')
  const theirs = (mention: Mention) =>
    mention.userId === reader.id && (name === undefined || mention.name.normalize('NFC') === name)
  if (!message.mentions?.some(theirs)) return false
  return mentionsNamedIn(message.body, message.mentions).some(theirs)
}

/** What a desktop notification of a mention says. */
export interface MentionNotice {
  /** "Ben mentioned you" */
  title: string
  /** The start of the message. */
  body: string
  /** The message id: one notification per message, however often it is raised. */
  tag: string
}

/** The notification for a message that mentions the reader. */
export function mentionNotice(message: TimelineMessage): MentionNotice {
  const text = message.body.replace(/\s+/g, ' ').trim()
  return {
    title: `${message.sender.name} mentioned you`,
    body:
      text.length > NOTIFICATION_TEXT_CHARS
        ? `${text.slice(0, NOTIFICATION_TEXT_CHARS - 1)}…`
        : text,
    tag: message.id,
  }
}

export interface MentionAlertOptions {
  /** Which messages are new (ChatClient.arrivals). */
  arrivals: { subscribe(listener: () => void): () => void; getSnapshot(): Arrivals }
  settings: AlertSettingsStore
  /** Whether the reader cannot see the chat now (the tab is hidden). */
  hidden: () => boolean
  /** Shows a desktop notification, where the reader allowed them (the adapter checks). */
  notify: (notice: MentionNotice) => void
  playSound: () => void
}

/**
 * Alerts the reader to messages that mention them while the tab is hidden: a desktop
 * notification for each (where allowed), and one short sound per batch unless turned off. What
 * arrived before it started, or while the tab was visible, raises nothing. Returns the function
 * that stops it.
 */
export function watchMentions(options: MentionAlertOptions): () => void {
  const { arrivals, settings, hidden, notify, playSound } = options
  let counted = arrivals.getSnapshot().count
  return arrivals.subscribe(() => {
    const { count, recent } = arrivals.getSnapshot()
    const fresh = count - counted
    counted = count
    if (fresh <= 0 || !hidden()) return
    const mentions = recent.slice(-fresh).filter((message) => message.mentionsMe)
    if (mentions.length === 0) return
    for (const message of mentions) notify(mentionNotice(message))
    if (settings.getSnapshot().sound) playSound()
  })
}

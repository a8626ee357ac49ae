import {
  DEFAULT_ROOM_SETTINGS,
  type RoomSettings,
  SEND_REFUSALS,
  sendRefusal,
  slowModeMessageFor,
} from '@shared/protocol.ts'
import type { RoomApi } from '../../engine/chat-api.ts'
import type { Clock } from '../../engine/clock.ts'
import { LatestRead } from '../../engine/latest-read.ts'
import type { Participant } from '../../engine/live-channel.ts'
import type { RoomStateFeature } from '../../engine/room-state-feature.ts'
import { Store } from '../../engine/store.ts'
import { loadSettings, saveSettings } from './room-rules-api.ts'

/**
 * How much sooner than slow mode allows a receiver still takes someone's next live message: the
 * sender's clock, the channel and the function's write all move the moment a little.
 */
const SLOW_MODE_TOLERANCE_MS = 1000

export interface RoomRulesState {
  settings: RoomSettings
  /** Whether this user is a room owner (may change the settings; exempt from owners-only and slow mode). */
  owner: boolean
  /**
   * When this user may send again under slow mode (ms since the epoch); 0 when they may now.
   * The composer counts down to it.
   */
  sendableAt: number
}

/**
 * A room's chat settings as this client applies them: read on join, on catch-up and when an
 * owner announces a change; what this user may send now (the composer shows why not, or counts
 * down slow mode); and which live messages from others the settings refuse (a modified client
 * gains nothing by ignoring them: receivers drop its messages).
 */
export class RoomRules extends Store<RoomRulesState> implements RoomStateFeature {
  /** Only owners change the settings (the function refuses anyone else). */
  readonly notice = { type: 'settings', from: 'owners', readers: 'everyone' } as const
  readonly #api: Pick<RoomApi, 'route'>
  readonly #clock: Clock
  readonly #reads: LatestRead<RoomSettings>
  /** When each sender's last live message was taken (slow mode on receipt). */
  readonly #lastTaken = new Map<string, number>()

  constructor(options: {
    api: Pick<RoomApi, 'route'>
    owner: boolean
    clock: Clock
    log: (message: string, detail?: unknown) => void
  }) {
    super({ settings: DEFAULT_ROOM_SETTINGS, owner: options.owner, sendableAt: 0 })
    this.#api = options.api
    this.#clock = options.clock
    this.#reads = new LatestRead(
      () => loadSettings(options.api),
      (settings) => this.#apply(settings),
      options.log,
      'the room settings',
    )
  }

  /** Reads the settings from the function; a failure keeps the ones known. */
  refresh(): Promise<void> {
    return this.#reads.run()
  }

  /** Saves new settings (owners only); resolves with why not, or undefined once saved. */
  async save(settings: RoomSettings): Promise<string | undefined> {
    try {
      this.#reads.supersede()
      this.#apply(await saveSettings(this.#api, settings))
      return undefined
    } catch (error) {
      return (error as Error).message
    }
  }

  /** Why this user may not send a message now (settings, then slow mode), or undefined. */
  refusal(message: { private: boolean }): string | undefined {
    return this.settingsRefusal(message) ?? this.slowModeWait()
  }

  /** Why the settings refuse this user such a message (slow mode aside), or undefined. */
  settingsRefusal(message: { private: boolean }): string | undefined {
    const { settings, owner } = this.getSnapshot()
    const refused = sendRefusal(settings, { owner }, message)
    return refused ? SEND_REFUSALS[refused] : undefined
  }

  /** "Slow mode: wait 12 s" while this user must wait, else undefined. */
  slowModeWait(): string | undefined {
    const wait = Math.ceil((this.getSnapshot().sendableAt - this.#clock.now()) / 1000)
    return wait > 0 ? slowModeMessageFor(wait) : undefined
  }

  /** "Slow mode is on: one message every 30 s" while it applies to this user, else undefined. */
  slowModeNotice(): string | undefined {
    const { settings, owner } = this.getSnapshot()
    if (owner || settings.slowModeSeconds === 0) return undefined
    return `Slow mode is on: one message every ${settings.slowModeSeconds} s.`
  }

  /** This user sent a message: slow mode starts counting. */
  sent(): void {
    const { settings, owner } = this.getSnapshot()
    if (owner || settings.slowModeSeconds === 0) return
    this.set({
      ...this.getSnapshot(),
      sendableAt: this.#clock.now() + settings.slowModeSeconds * 1000,
    })
  }

  /**
   * Whether a live message from `sender`, of whatever kind (chat, a reference to a large one,
   * Prebuilt's chat), is one the settings allow; under slow mode it counts it, one interval per
   * sender across every kind. False: receivers drop it, as the function would refuse to store it.
   */
  takesLiveMessage(sender: Pick<Participant, 'userId' | 'owner'>, message: { private: boolean }) {
    const { settings } = this.getSnapshot()
    const owner = sender.owner === true
    if (sendRefusal(settings, { owner }, message)) return false
    // A member's message for the room waits for an owner's approval: live, it is news of nothing
    // (a modified client sent it); it arrives through the function once approved.
    if (settings.messagesNeedApproval === true && !owner && !message.private) return false
    if (owner || settings.slowModeSeconds === 0) return true
    const now = this.#clock.now()
    const last = this.#lastTaken.get(sender.userId)
    if (
      last !== undefined &&
      now - last < settings.slowModeSeconds * 1000 - SLOW_MODE_TOLERANCE_MS
    ) {
      return false
    }
    this.#lastTaken.set(sender.userId, now)
    return true
  }

  /** Whether this user's messages for the room wait for an owner's approval now. */
  awaitsApproval(): boolean {
    const { settings, owner } = this.getSnapshot()
    return settings.messagesNeedApproval === true && !owner
  }

  /**
   * Whether the settings let `sender` send at all (chat on; owners only): someone they keep
   * from sending shows no "is typing". Counts nothing.
   */
  takesTyping(sender: Pick<Participant, 'owner'>): boolean {
    const { settings } = this.getSnapshot()
    return sendRefusal(settings, { owner: sender.owner === true }, { private: false }) === undefined
  }

  #apply(settings: RoomSettings) {
    const state = this.getSnapshot()
    // Every field, whatever the settings hold: a field left out of a list here once kept a change
    // of it alone (the Q&A rules) from reaching open pages.
    if (sameJson(state.settings, settings)) return
    // Slow mode turned off (or shortened): no waiting beyond what it now asks.
    const sendableAt = settings.slowModeSeconds === 0 ? 0 : state.sendableAt
    this.set({ ...state, settings, sendableAt })
  }
}

/** Whether two JSON values (settings as read) are equal, whatever the order of their keys. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const keys = (value: object) =>
    Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([key]) => key)
  const aKeys = keys(a)
  return (
    aKeys.length === keys(b).length &&
    aKeys.every((key) =>
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
    )
  )
}

import type { Clock } from '../../engine/clock.ts'

export const TYPING_THROTTLE_MS = 2000
export const TYPING_EXPIRY_MS = 5000

/**
 * The local side of typing: tells the others at most once per 2 s while the user types, and that
 * they stopped when the text is sent or emptied.
 */
export class TypingNotifier {
  private readonly send: (typing: boolean) => void
  private readonly clock: Clock
  // When we last said "typing", while the others think we are; undefined once we said we stopped.
  private sentAt: number | undefined

  constructor(options: { send: (typing: boolean) => void; clock: Clock }) {
    this.send = options.send
    this.clock = options.clock
  }

  /** The composer's text changed. */
  input(text: string): void {
    if (text.trim() === '') {
      this.stop()
      return
    }
    const now = this.clock.now()
    if (this.sentAt !== undefined && now - this.sentAt < TYPING_THROTTLE_MS) return
    this.sentAt = now
    this.send(true)
  }

  /** The composer closed or its text went elsewhere: stop typing now if we said we were. */
  stop(): void {
    if (this.sentAt === undefined) return
    this.sentAt = undefined
    this.send(false)
  }

  /**
   * A message went out live to those who saw the typing notice: receiving it ends the notice for
   * them (TypingRoster), so nothing more is sent; the next keystroke says typing again.
   */
  ended(): void {
    this.sentAt = undefined
  }
}

/**
 * The remote side: who is typing. A typing signal expires 5 s after its last refresh; it also
 * ends when that session sends a message, says it stopped, or leaves.
 */
export class TypingRoster {
  private readonly clock: Clock
  private readonly onChange: (names: string[]) => void
  // Insertion order is the order the sessions started typing; a refresh keeps the place.
  private readonly sessions = new Map<string, { name: string; timer: unknown }>()
  private disposed = false

  constructor(options: { clock: Clock; onChange: (names: string[]) => void }) {
    this.clock = options.clock
    this.onChange = options.onChange
  }

  /** `sessionId` (shown as `name`) signalled typing (true) or stopping (false). */
  signal(sessionId: string, name: string, typing: boolean): void {
    if (!typing) {
      this.clear(sessionId)
      return
    }
    if (this.disposed) return
    const before = this.names()
    const session = this.sessions.get(sessionId)
    if (session) this.clock.clearTimeout(session.timer)
    const timer = this.clock.setTimeout(() => this.clear(sessionId), TYPING_EXPIRY_MS)
    if (session) Object.assign(session, { name, timer })
    else this.sessions.set(sessionId, { name, timer })
    this.notifyIfChanged(before)
  }

  /** The session sent a message or left. */
  clear(sessionId: string): void {
    const session = this.sessions.get(sessionId)
    if (!session) return
    const before = this.names()
    this.clock.clearTimeout(session.timer)
    this.sessions.delete(sessionId)
    this.notifyIfChanged(before)
  }

  /** Names of those typing, in the order they started. */
  names(): string[] {
    // One person in two tabs is two sessions but one name on the line.
    return [...new Set([...this.sessions.values()].map((session) => session.name))]
  }

  dispose(): void {
    this.disposed = true
    for (const session of this.sessions.values()) this.clock.clearTimeout(session.timer)
    this.sessions.clear()
  }

  private notifyIfChanged(before: readonly string[]) {
    const after = this.names()
    const same = after.length === before.length && after.every((name, i) => name === before[i])
    if (!same) this.onChange(after)
  }
}

/** "Ana is typing…", "Ana and Ben are typing…", "Several people are typing…", or ''. */
export function typingLine(names: readonly string[]): string {
  const [first, second] = names
  if (first === undefined) return ''
  if (second === undefined) return `${first} is typing…`
  if (names.length === 2) return `${first} and ${second} are typing…`
  return 'Several people are typing…'
}

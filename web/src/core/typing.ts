import type { Clock } from './clock.ts'

export const TYPING_THROTTLE_MS = 2000
export const TYPING_EXPIRY_MS = 5000

/**
 * The local side of typing: tells the others at most once per 2 s while the user types, and that
 * they stopped when the text is sent or emptied.
 */
export class TypingNotifier {
  constructor(_options: { send: (typing: boolean) => void; clock: Clock }) {
    throw new Error('not implemented')
  }

  /** The composer's text changed. */
  input(_text: string): void {
    throw new Error('not implemented')
  }

  /** The message was sent (or the composer closed): stop typing now if we said we were. */
  stop(): void {
    throw new Error('not implemented')
  }
}

/**
 * The remote side: who is typing. A typing signal expires 5 s after its last refresh; it also
 * ends when that session sends a message, says it stopped, or leaves.
 */
export class TypingRoster {
  constructor(_options: { clock: Clock; onChange: (names: string[]) => void }) {
    throw new Error('not implemented')
  }

  /** `sessionId` (shown as `name`) signalled typing (true) or stopping (false). */
  signal(_sessionId: string, _name: string, _typing: boolean): void {
    throw new Error('not implemented')
  }

  /** The session sent a message or left. */
  clear(_sessionId: string): void {
    throw new Error('not implemented')
  }

  /** Names of those typing, in the order they started. */
  names(): string[] {
    throw new Error('not implemented')
  }

  dispose(): void {
    throw new Error('not implemented')
  }
}

/** "Ana is typing…", "Ana and Ben are typing…", "Several people are typing…", or ''. */
export function typingLine(_names: readonly string[]): string {
  throw new Error('not implemented')
}

import { useEffect, useState } from 'react'
import { useStore } from '../../react/use-store.ts'
import type { RoomRules } from './room-rules.ts'

/**
 * What the room's settings say about this user sending now: `refused`, why they may not send at
 * all ("Only owners can send…"), and `wait`, slow mode's countdown ("Slow mode: wait 12 s"),
 * re-rendered every second while it counts down. Both undefined without settings.
 */
export function useSendRefusal(rules: RoomRules | undefined): {
  refused?: string
  wait?: string
  /** While slow mode applies to this user: that it is on, and how slow. */
  notice?: string
  /** Whether the room allows private messages (true without settings). */
  privateAllowed: boolean
} {
  const state = useStore(rules ?? NO_RULES)
  const [, tick] = useState(0)
  const waiting = state !== undefined && state.sendableAt > Date.now()
  useEffect(() => {
    if (!waiting) return
    const timer = setInterval(() => tick((n) => n + 1), 1000)
    return () => clearInterval(timer)
  }, [waiting])
  return {
    refused: rules?.settingsRefusal({ private: false }),
    wait: rules?.slowModeWait(),
    notice: rules?.slowModeNotice(),
    privateAllowed: state?.settings.privateMessages !== false,
  }
}

const NO_RULES = {
  subscribe: () => () => {},
  getSnapshot: () => undefined,
}

import { useEffect } from 'react'
import type { ReadableStore } from '../../engine/store.ts'
import { pageVisible } from '../../react/use-page-visible.ts'
import type { Arrivals } from '../unread/arrivals.ts'
import { type AlertSettingsStore, type MentionNotice, watchMentions } from './mention-alerts.ts'

/**
 * While mounted, a mention of the reader that arrives while the tab is hidden shows a desktop
 * notification (if they allowed them) and plays a short sound (unless turned off). Never asks
 * for permission itself: NotificationSettings does, when the reader presses its button.
 */
export function useMentionAlerts(arrivals: ReadableStore<Arrivals>, settings: AlertSettingsStore) {
  useEffect(
    () =>
      watchMentions({
        arrivals,
        settings,
        hidden: () => !pageVisible(),
        notify: showNotification,
        playSound: playMentionSound,
      }),
    [arrivals, settings],
  )
}

/** Whether this browser can show desktop notifications at all. */
export const notificationsSupported = () => typeof Notification !== 'undefined'

function showNotification(notice: MentionNotice) {
  if (!notificationsSupported() || Notification.permission !== 'granted') return
  const notification = new Notification(notice.title, { body: notice.body, tag: notice.tag })
  notification.onclick = () => {
    window.focus()
    notification.close()
  }
}

let audio: AudioContext | undefined

/** Two short soft tones (about a fifth of a second), made on the spot: no sound file to load. */
function playMentionSound() {
  if (typeof AudioContext === 'undefined') return
  audio ??= new AudioContext()
  const context = audio
  // Browsers start an audio context suspended until the page has had a click or a key press;
  // joining the call was one.
  context
    .resume()
    .catch((error) => console.warn('Backchannel: could not play the mention sound', error))
  const start = context.currentTime
  for (const [offset, frequency] of [
    [0, 880],
    [0.1, 1320],
  ] as const) {
    const tone = context.createOscillator()
    const gain = context.createGain()
    tone.frequency.value = frequency
    gain.gain.setValueAtTime(0.0001, start + offset)
    gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.01)
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.09)
    tone.connect(gain).connect(context.destination)
    tone.start(start + offset)
    tone.stop(start + offset + 0.1)
  }
}

import { useId, useState } from 'react'
import { useStore } from '../../react/use-store.ts'
import type { AlertSettingsStore } from './mention-alerts.ts'
import { notificationsSupported } from './use-mention-alerts.ts'

const PERMISSION_TEXT: Record<NotificationPermission, string> = {
  default: '',
  granted: 'Desktop notifications are on: a mention while this tab is hidden shows one.',
  denied:
    "Desktop notifications are blocked for this site. Allow them in your browser's site settings to get them.",
}

/**
 * How the reader hears of mentions while the tab is hidden: a sound they can turn off, and
 * desktop notifications, asked for only when they press the button (never on load).
 */
export function NotificationSettings({ settings }: { settings: AlertSettingsStore }) {
  const { sound } = useStore(settings)
  const id = useId()
  const supported = notificationsSupported()
  const [permission, setPermission] = useState<NotificationPermission>(() =>
    supported ? Notification.permission : 'denied',
  )

  async function askPermission() {
    setPermission(await Notification.requestPermission())
  }

  return (
    <details className="bc-alert-settings">
      <summary>Notifications</summary>
      <div className="bc-alert-settings-body">
        <label htmlFor={`${id}-sound`}>
          <input
            id={`${id}-sound`}
            type="checkbox"
            checked={sound}
            onChange={(event) => settings.setSound(event.target.checked)}
          />{' '}
          Play a sound when someone mentions me
        </label>
        {supported && permission === 'default' && (
          <button type="button" onClick={() => void askPermission()}>
            Turn on desktop notifications
          </button>
        )}
        {supported && permission !== 'default' && (
          <p role="status">{PERMISSION_TEXT[permission]}</p>
        )}
      </div>
    </details>
  )
}

import { avatarColour, initials } from '../engine/avatar.ts'

/**
 * A person's initials on their colour (../engine/avatar.ts). Decoration only: the sender's
 * name is next to it, so screen readers skip it.
 */
export function Avatar({ user }: { user: { id: string; name: string } }) {
  return (
    <span
      className="bc-avatar"
      aria-hidden="true"
      style={{ backgroundColor: avatarColour(user.id) }}
    >
      {initials(user.name)}
    </span>
  )
}

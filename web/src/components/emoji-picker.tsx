import { type KeyboardEvent, useRef, useState } from 'react'

// A small built-in set, by category, in the order people look for them. Loaded lazily (see
// reaction-picker.tsx): a full picker library can replace this module with the same props.
const CATEGORIES: readonly { name: string; emoji: string }[] = [
  {
    name: 'Smileys',
    emoji:
      '😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙😋😛😜🤪😝🤑🤗🤭🤫🤔🤐🤨😐😑😶😏😒🙄😬😌😔😪🤤😴😷🤒🤕🤢🤮🥵🥶🥴😵🤯🤠🥳😎🤓🧐😕😟🙁😮😯😲😳🥺😦😧😨😰😥😢😭😱😖😣😞😓😩😫🥱😤😡😠🤬😈💀💩🤡👻👽🤖',
  },
  {
    name: 'Gestures',
    emoji: '👍👎👌🤌🤏✌️🤞🤟🤘🤙👈👉👆👇☝️✋🤚🖐️🖖👋👏🙌👐🤲🤝🙏✍️💪🫶👀🧠',
  },
  {
    name: 'Hearts',
    emoji: '❤️🧡💛💚💙💜🖤🤍🤎💔❣️💕💞💓💗💖💘💝',
  },
  {
    name: 'Celebration',
    emoji: '🎉🎊🎈🎂🎁🏆🥇🥈🥉🏅🎖️✨🌟⭐🔥💯💥🚀',
  },
  {
    name: 'Nature and food',
    emoji: '🐶🐱🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵🦄🐝🦋🌸🌻🌈☀️🌙❄️☕🍕🍔🍟🌮🍣🍩🍪🍰🍺🍷🥂🍎🍌🍉',
  },
  {
    name: 'Objects and symbols',
    emoji: '💡📌📎📝📅📈📉💻📱⏰⌛🔔🎵🎧📷🎮⚽🏀✅☑️✔️❌❓❗⚠️🚫💤👑💰🔒🔑',
  },
  { name: 'Flags', emoji: '🏁🚩🏳️‍🌈🇺🇳🇪🇺🇺🇸🇬🇧🇫🇷🇩🇪🇪🇸🇮🇹🇵🇹🇧🇷🇯🇵🇮🇳🇨🇦' },
]

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' })
const GROUPS = CATEGORIES.map((category) => ({
  name: category.name,
  emoji: Array.from(segmenter.segment(category.emoji), (part) => part.segment),
}))
const ALL = GROUPS.flatMap((group) => group.emoji)
/** Buttons per row of the grid (the stylesheet lays them out so): Up and Down move by this. */
const COLUMNS = 8

/**
 * Every emoji of the set, by category, each a button named by its emoji. One tab stop: the arrow
 * keys (and Home, End) move between the emoji, Enter or Space picks one.
 */
export default function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const [active, setActive] = useState(0)
  const root = useRef<HTMLFieldSetElement>(null)

  function keyDown(event: KeyboardEvent<HTMLFieldSetElement>) {
    const moves: Record<string, number> = {
      ArrowRight: active + 1,
      ArrowLeft: active - 1,
      ArrowDown: active + COLUMNS,
      ArrowUp: active - COLUMNS,
      Home: 0,
      End: ALL.length - 1,
    }
    const next = moves[event.key]
    if (next === undefined) return
    event.preventDefault()
    const index = Math.min(ALL.length - 1, Math.max(0, next))
    setActive(index)
    root.current?.querySelectorAll<HTMLButtonElement>('button')[index]?.focus()
  }

  let index = 0
  return (
    <fieldset ref={root} className="emoji-picker" aria-label="All emoji" onKeyDown={keyDown}>
      {GROUPS.map((group) => (
        <fieldset key={group.name} aria-label={group.name} className="emoji-group">
          <p className="emoji-group-name" aria-hidden="true">
            {group.name}
          </p>
          <div className="emoji-grid">
            {group.emoji.map((emoji) => {
              const at = index++
              return (
                <button
                  key={emoji}
                  type="button"
                  className="reaction-option"
                  tabIndex={at === active ? 0 : -1}
                  onFocus={() => setActive(at)}
                  onClick={() => onPick(emoji)}
                >
                  {emoji}
                </button>
              )
            })}
          </div>
        </fieldset>
      ))}
    </fieldset>
  )
}

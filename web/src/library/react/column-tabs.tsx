import { type KeyboardEvent, type ReactNode, useId, useRef, useState } from 'react'

export interface ColumnTab {
  /** The tab's name, e.g. "Questions (3)". */
  label: string
  panel: ReactNode
}

/**
 * The column's views as tabs ("Chat", "Questions (3)"): Left and Right arrows (and Home, End)
 * move between the tabs and choose the one they reach, as the ARIA tabs pattern does; Tab goes
 * into the panel. Every panel stays mounted, hidden while not chosen, so a draft, a scroll
 * position and the live updates survive a look at another view.
 */
export function ColumnTabs({ tabs, label }: { tabs: readonly ColumnTab[]; label: string }) {
  const [chosen, setChosen] = useState(0)
  const id = useId()
  const buttons = useRef<(HTMLButtonElement | null)[]>([])

  function choose(index: number) {
    setChosen(index)
    buttons.current[index]?.focus()
  }

  function keyDown(event: KeyboardEvent<HTMLDivElement>) {
    const last = tabs.length - 1
    const next = {
      ArrowRight: chosen === last ? 0 : chosen + 1,
      ArrowLeft: chosen === 0 ? last : chosen - 1,
      Home: 0,
      End: last,
    }[event.key]
    if (next === undefined) return
    event.preventDefault()
    choose(next)
  }

  return (
    <>
      <div role="tablist" aria-label={label} className="bc-column-tabs" onKeyDown={keyDown}>
        {tabs.map((tab, index) => (
          <button
            // The tabs' order is their identity.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above.
            key={index}
            ref={(button) => {
              buttons.current[index] = button
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${index}`}
            className="bc-column-tab"
            aria-selected={index === chosen}
            aria-controls={`${id}-panel-${index}`}
            tabIndex={index === chosen ? 0 : -1}
            onClick={() => setChosen(index)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {tabs.map((tab, index) => (
        <div
          // biome-ignore lint/suspicious/noArrayIndexKey: the tabs' order is their identity.
          key={index}
          role="tabpanel"
          id={`${id}-panel-${index}`}
          className="bc-column-panel"
          aria-labelledby={`${id}-tab-${index}`}
          hidden={index !== chosen}
        >
          {tab.panel}
        </div>
      ))}
    </>
  )
}

import type { ComponentProps, ReactNode } from 'react'

/**
 * A button of the composer's row shown as an icon (Attach file, Insert emoji, Create poll): its
 * `label` is its accessible name and its tooltip; `children` are the icon's SVG shapes, drawn in
 * the button's text colour. Other props go to the button.
 */
export function ComposerIconButton({
  label,
  children,
  ...button
}: Omit<ComponentProps<'button'>, 'type' | 'className' | 'aria-label' | 'title'> & {
  label: string
  children: ReactNode
}) {
  return (
    <button {...button} type="button" className="bc-composer-icon" aria-label={label} title={label}>
      <svg
        aria-hidden="true"
        focusable="false"
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        {children}
      </svg>
    </button>
  )
}

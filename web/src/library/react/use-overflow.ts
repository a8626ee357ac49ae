import { type RefObject, useLayoutEffect, useState } from 'react'

// One observer for every element watched: a list shows a few dozen messages at a time, and each
// ResizeObserver is a separate pass after layout.
const onResize = new WeakMap<Element, () => void>()
let observer: ResizeObserver | undefined

function watch(elements: readonly Element[], callback: () => void): () => void {
  observer ??= new ResizeObserver((entries) => {
    for (const entry of entries) onResize.get(entry.target)?.()
  })
  for (const element of elements) {
    onResize.set(element, callback)
    observer.observe(element)
  }
  return () => {
    for (const element of elements) {
      observer?.unobserve(element)
      onResize.delete(element)
    }
  }
}

/** Whether the element's first child is taller than the element (cut off by its max-height). */
const overflows = (element: HTMLElement) => {
  const content = element.firstElementChild
  // A pixel of slack: heights are fractional, and rounding must not raise a button.
  return content !== null && content.getBoundingClientRect().height > element.clientHeight + 1
}

/**
 * Whether the element's content (its first child) is taller than the element, as a max-height
 * leaves it: measured before the first paint, and again whenever the element or its content
 * changes size (an edit, a narrower column, a shorter window). While `active` is false nothing is
 * measured and the last answer stands, e.g. while the element is let out to its full height.
 * `content` stands for what the element shows (its text, not a new React element every render):
 * when it changes, its first child may be a new element.
 * `initial` is the answer until the first measurement (e.g. known from before a remount).
 */
export function useOverflow(
  ref: RefObject<HTMLElement | null>,
  active: boolean,
  content: unknown,
  initial = false,
): boolean {
  const [overflowing, setOverflowing] = useState(initial)
  // biome-ignore lint/correctness/useExhaustiveDependencies: new content may be a new first child.
  useLayoutEffect(() => {
    const element = ref.current
    if (!active || !element) return
    const measure = () => setOverflowing(overflows(element))
    // Before paint, so that a tall message shows its button in its first frame.
    measure()
    const child = element.firstElementChild
    return watch(child ? [element, child] : [element], measure)
  }, [ref, active, content])
  return overflowing
}

// Pins in the column: the row's Pin action and mark, and the pin bar above the list.
export { PinBar } from './pin-bar.tsx'
export { pinRow } from './pin-row.tsx'

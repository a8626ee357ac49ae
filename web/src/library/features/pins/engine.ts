// Pins' engine part (no React): the pin board (a RoomStateFeature) and the calls to the function.
export { PinBoard } from './pin-board.ts'
export { loadPins, pinMessage } from './pins-api.ts'

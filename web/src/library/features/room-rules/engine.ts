// Room rules' engine part (no React): the settings (a RoomStateFeature) and what they allow.
export { RoomRules } from './room-rules.ts'

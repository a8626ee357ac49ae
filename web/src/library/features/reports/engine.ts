// Reports' engine part (no React): the reports (a RoomStateFeature) and reporting.
export { MessageReports } from './message-reports.ts'

// Reports in the column: the row's Report action and form, and an owner's count.
export { reportRow } from './report-row.tsx'

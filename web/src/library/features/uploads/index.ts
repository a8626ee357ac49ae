// Uploads in the column: the composer's files (picked, dropped, uploading).
export { useAttachments } from './use-attachments.ts'

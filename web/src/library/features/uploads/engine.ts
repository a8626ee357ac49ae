// Uploads' engine part (no React): the signed URLs of the files shown.
export { AttachmentUrls } from './attachment-urls.ts'

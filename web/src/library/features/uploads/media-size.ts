import { isInlineMedia } from '@shared/protocol.ts'

export interface MediaSize {
  width: number
  height: number
}

/** The protocol's limits on a dimension; anything else is not sent. */
const MAX_DIMENSION = 32_768
/** A video whose metadata never arrives (a codec the browser lacks) is not waited for longer. */
const VIDEO_METADATA_TIMEOUT_MS = 10_000

const valid = (width: number, height: number): MediaSize | undefined => {
  const size = { width: Math.round(width), height: Math.round(height) }
  const fits = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_DIMENSION
  return fits(size.width) && fits(size.height) ? size : undefined
}

async function measureImage(file: File): Promise<MediaSize | undefined> {
  // createImageBitmap decodes without a DOM element or an object URL, and applies the EXIF
  // orientation the way <img> shows it.
  if (typeof createImageBitmap === 'function') {
    try {
      const bitmap = await createImageBitmap(file)
      const size = valid(bitmap.width, bitmap.height)
      bitmap.close()
      return size
    } catch {
      // Some browsers cannot decode every allowed type this way: an <img> may still.
    }
  }
  const url = URL.createObjectURL(file)
  try {
    const image = new Image()
    image.src = url
    await image.decode()
    return valid(image.naturalWidth, image.naturalHeight)
  } catch {
    return undefined
  } finally {
    URL.revokeObjectURL(url)
  }
}

function measureVideo(file: File): Promise<MediaSize | undefined> {
  const url = URL.createObjectURL(file)
  const video = document.createElement('video')
  return new Promise<MediaSize | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), VIDEO_METADATA_TIMEOUT_MS)
    video.addEventListener('loadedmetadata', () => {
      clearTimeout(timer)
      resolve(valid(video.videoWidth, video.videoHeight))
    })
    video.addEventListener('error', () => {
      clearTimeout(timer)
      resolve(undefined)
    })
    video.preload = 'metadata'
    video.muted = true
    video.src = url
  }).finally(() => {
    // Stops the element fetching anything more before the URL goes.
    video.removeAttribute('src')
    video.load()
    URL.revokeObjectURL(url)
  })
}

/**
 * The width and height of an image or video, measured in the browser before upload so that
 * receivers can reserve its space; undefined for other files and for files that do not decode.
 */
export async function measureMedia(file: File): Promise<MediaSize | undefined> {
  if (!isInlineMedia(file.type)) return undefined
  return file.type.startsWith('image/') ? measureImage(file) : measureVideo(file)
}

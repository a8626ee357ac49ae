import { type CSSProperties, useState } from 'react'
import type { TimelineAttachment } from '../../engine/timeline.ts'
import { ImageViewer } from './image-viewer.tsx'
import { formatBytes } from './upload-file.ts'

/** Images and video show at most this tall (px), keeping their shape. */
const MAX_MEDIA_HEIGHT = 320
/** Tiny images are enlarged until their shorter side is this long (px), to be seen and clicked. */
const MIN_IMAGE_SIDE = 48

/**
 * The box an image or video takes, known before it loads: its shape from the attachment's width
 * and height, at most the column's width and MAX_MEDIA_HEIGHT tall. Images are not enlarged past
 * their own width (but for tiny ones); video is (its controls need the room).
 */
function mediaBox(file: TimelineAttachment, video: boolean): CSSProperties | undefined {
  const { width, height } = file
  if (!width || !height) return undefined
  const fitHeight = (MAX_MEDIA_HEIGHT * width) / height
  const imageWidth = width * Math.max(1, MIN_IMAGE_SIDE / Math.min(width, height))
  return {
    aspectRatio: `${width} / ${height}`,
    width: `min(100%, ${Math.round(video ? fitHeight : Math.min(imageWidth, fitHeight))}px)`,
  }
}

/**
 * A message's files: images (open full size on click) and video inline, in boxes reserved from
 * their dimensions so that nothing moves when they load; other files as download links. A file
 * whose URL is not known yet shows its box with "Loading…"; once the message is stored, a file
 * without a URL is gone from storage and says so.
 */
export function MessageAttachments({
  attachments,
  stored,
}: {
  attachments: readonly TimelineAttachment[]
  /** The message is stored: its files' URLs are all it will get. */
  stored: boolean
}) {
  const missing = stored ? 'No longer available' : 'Loading…'
  const [viewing, setViewing] = useState<TimelineAttachment & { url: string }>()

  return (
    <>
      <ul className="bc-attachments">
        {attachments.map((file) => {
          const { url } = file
          const image = file.type.startsWith('image/')
          const video = file.type.startsWith('video/')
          const sized = file.width && file.height ? '' : ' bc-unsized'
          if (image || video) {
            const style = mediaBox(file, video)
            return (
              <li key={file.path} className="bc-attachment-media">
                {url === undefined ? (
                  <div className={`bc-media-box bc-loading${sized}`} style={style}>
                    {missing}
                  </div>
                ) : image ? (
                  <button
                    type="button"
                    className={`bc-media-box${sized}`}
                    style={style}
                    aria-label={`View ${file.name} full size`}
                    onClick={() => setViewing({ ...file, url })}
                  >
                    <img src={url} alt={file.name} width={file.width} height={file.height} />
                  </button>
                ) : (
                  <div className={`bc-media-box${sized}`} style={style}>
                    {/* biome-ignore lint/a11y/useMediaCaption: people's own recordings come without captions. */}
                    <video
                      src={url}
                      controls
                      preload="metadata"
                      playsInline
                      width={file.width}
                      height={file.height}
                      aria-label={file.name}
                    />
                  </div>
                )}
              </li>
            )
          }
          const details = (
            <>
              <span className="bc-file-name">{file.name}</span>
              <span className="bc-file-size">{formatBytes(file.size)}</span>
            </>
          )
          return (
            <li key={file.path}>
              {url === undefined ? (
                <span className="bc-file-link bc-loading">
                  {details}
                  <span className="bc-file-size">{missing}</span>
                </span>
              ) : (
                <a className="bc-file-link" href={url} download={file.name}>
                  {details}
                </a>
              )}
            </li>
          )
        })}
      </ul>
      {viewing && <ImageViewer image={viewing} onClose={() => setViewing(undefined)} />}
    </>
  )
}

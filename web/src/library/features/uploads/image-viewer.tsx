import { useEffect, useRef } from 'react'

/**
 * An image at full size, in a modal <dialog>: Close or Escape closes it (and focus goes back to
 * what opened it). Mounted only while open.
 */
export function ImageViewer({
  image,
  onClose,
}: {
  image: { url: string; name: string; width?: number; height?: number }
  onClose: () => void
}) {
  const dialog = useRef<HTMLDialogElement>(null)

  useEffect(() => {
    // No close() on cleanup: a removed dialog leaves the top layer by itself, and close() would
    // fire a late `close` event that shuts the viewer React's StrictMode has just reopened.
    const element = dialog.current
    if (element && !element.open) element.showModal()
  }, [])

  return (
    <dialog ref={dialog} className="bc-image-viewer" aria-label={image.name} onClose={onClose}>
      <img
        className="bc-image-viewer-image"
        src={image.url}
        alt={image.name}
        width={image.width}
        height={image.height}
      />
      <div className="bc-image-viewer-bar">
        <span className="bc-image-viewer-name">{image.name}</span>
        <a href={image.url} download={image.name}>
          Download
        </a>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  )
}

import { Hono } from 'hono'
import { transcriptQuerySchema } from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import { requireQuota } from '../quotas.ts'
import { queryParams } from '../request.ts'
import { transcriptEntry, transcriptFooter, transcriptHeader } from '../transcript.ts'

/** Messages read (and files signed) per database round trip while a transcript streams. */
const TRANSCRIPT_PAGE_SIZE = 500

/**
 * `GET /rooms/:room/transcript?format=md|json`: the room's conversation as a download. Deleted
 * messages are left out, edits show their final text, files are signed links. Streamed a page at a
 * time, so the function's memory stays flat however long the room's history is.
 * Mounted at `/rooms/:room/transcript`, behind the token.
 */
export function transcriptRoutes({ config, store, media }: ChatDeps) {
  /** The messages that `page`'s replies answer, by id (purged ones are missing). */
  async function replyParents(
    room: string,
    page: readonly { replyTo?: string }[],
    readerId: string,
  ) {
    const ids = [...new Set(page.flatMap((message) => (message.replyTo ? [message.replyTo] : [])))]
    const parents = await store.loadReplyParents(room, ids, readerId)
    return new Map(parents.map((parent) => [parent.id, parent]))
  }

  return new Hono<RoomEnv>().get('/', async (c) => {
    const { format } = queryParams(c, transcriptQuerySchema, 'transcript')
    const { room, user } = c.var
    await requireQuota(
      store,
      'transcript',
      user.id,
      config.quotas.transcript,
      'You are downloading transcripts too often',
    )
    const exportedAt = new Date()
    const linksExpireAt = new Date(exportedAt.getTime() + config.mediaUrlTtlSeconds * 1000)
    // The export covers the room as it was when asked: later messages are not chased.
    const throughSeq = await store.latestSeq(room, user.id)

    const pieces = async function* () {
      yield format === 'json'
        ? `{"room":${JSON.stringify(room)},"exportedAt":"${exportedAt.toISOString()}","messages":[`
        : transcriptHeader(room, exportedAt, linksExpireAt)
      let afterSeq = 0
      let count = 0
      for (;;) {
        const page = await store.loadTranscriptPage(
          room,
          {
            afterSeq,
            throughSeq,
            limit: TRANSCRIPT_PAGE_SIZE,
          },
          user.id,
        )
        const messages = await withReadUrls(media, page, config.mediaUrlTtlSeconds)
        // What this page's replies quote: one more query per page, whatever the page holds.
        const parents = format === 'md' ? await replyParents(room, page, user.id) : new Map()
        // One chunk per page: small enough to keep memory flat, large enough to stream fast.
        yield messages
          .map((message, index) =>
            format === 'json'
              ? `${count + index === 0 ? '' : ','}${JSON.stringify(message)}`
              : transcriptEntry(message, parents),
          )
          .join('')
        count += messages.length
        const last = page.at(-1)
        if (!last || page.length < TRANSCRIPT_PAGE_SIZE) break
        afterSeq = last.seq
      }
      yield format === 'json' ? ']}' : transcriptFooter(count)
    }

    const encoder = new TextEncoder()
    const source = pieces()
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await source.next()
          if (next.done) controller.close()
          else controller.enqueue(encoder.encode(next.value))
        } catch (error) {
          // The status is sent already: the download breaks off instead of ending as if whole.
          console.error('chat: transcript stopped:', error)
          controller.error(error)
        }
      },
      async cancel() {
        await source.return(undefined)
      },
    })
    c.header('Content-Disposition', `attachment; filename="${room}-transcript.${format}"`)
    c.header(
      'Content-Type',
      format === 'json' ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8',
    )
    return c.body(body)
  })
}

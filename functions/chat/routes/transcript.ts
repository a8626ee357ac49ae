import { Hono } from 'hono'
import { retentionSentence, transcriptQuerySchema } from '../../_shared/protocol.ts'
import { withReadUrls } from '../attachment-urls.ts'
import type { RoomEnv } from '../auth.ts'
import type { ChatDeps } from '../deps.ts'
import type { PersistedMessage } from '../message-store.ts'
import { requireQuota } from '../quotas.ts'
import { queryParams } from '../request.ts'
import {
  transcriptEntry,
  transcriptFooter,
  transcriptHeader,
  transcriptJsonEnd,
  transcriptJsonStart,
  transcriptQuestions,
} from '../transcript.ts'
import { vttCues, vttHeader } from '../transcript-vtt.ts'

/** Messages read (and files signed) per database round trip while a transcript streams. */
const TRANSCRIPT_PAGE_SIZE = 500

const CONTENT_TYPES = {
  md: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
} as const

/**
 * `GET /rooms/:room/transcript?format=md|json|vtt`: the room's conversation as a download. Deleted
 * messages are left out, edits show their final text, files are signed links. `vtt` is the chat as
 * subtitles beside a recording (`start`, the recording's start, is required; `end` optional).
 * Streamed a page at a time, so the function's memory stays flat however long the history is.
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
    const { format, start, end } = queryParams(c, transcriptQuerySchema, 'transcript')
    const { room, user, owner } = c.var
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
    const settings = {
      ...(await store.loadRoomSettings(room)),
      defaultRetentionDays: config.defaultRetentionDays,
    }

    // Subtitles: the same pages, each message a cue (start is there: the query requires it).
    const recording = { start: start ?? 0, end }
    const cues = vttCues(recording)

    const pieces = async function* () {
      yield format === 'json'
        ? transcriptJsonStart(room, exportedAt, settings)
        : format === 'vtt'
          ? vttHeader(room, recording)
          : transcriptHeader(
              room,
              exportedAt,
              linksExpireAt,
              retentionSentence(
                settings.retention ?? { kind: 'default' },
                settings.defaultRetentionDays,
              ),
            )
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
        if (format === 'vtt') {
          // Cues name files but link none: nothing to sign.
          yield cues.add(page)
        } else {
          yield await documentPage(page, count)
        }
        count += page.length
        const last = page.at(-1)
        if (!last || page.length < TRANSCRIPT_PAGE_SIZE) break
        afterSeq = last.seq
      }
      if (format === 'vtt') {
        yield cues.finish()
        return
      }
      // The Q&A board as the reader sees it now (never the asker of an anonymous question).
      const questions = await store.loadQuestions(room, user.id, owner)
      yield format === 'json'
        ? transcriptJsonEnd(questions)
        : `${transcriptFooter(count)}${transcriptQuestions(questions)}`
    }

    /** One page of the Markdown or JSON document. */
    async function documentPage(page: PersistedMessage[], count: number) {
      const messages = await withReadUrls(media, page, config.mediaUrlTtlSeconds)
      // What this page's replies quote: one more query per page, whatever the page holds.
      const parents = format === 'md' ? await replyParents(room, page, user.id) : new Map()
      // One chunk per page: small enough to keep memory flat, large enough to stream fast.
      return messages
        .map((message, index) =>
          format === 'json'
            ? `${count + index === 0 ? '' : ','}${JSON.stringify(message)}`
            : transcriptEntry(message, parents),
        )
        .join('')
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
    c.header('Content-Type', CONTENT_TYPES[format])
    return c.body(body)
  })
}

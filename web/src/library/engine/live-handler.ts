import type { LiveEnvelope } from '@shared/protocol.ts'

/** Messages sent with Daily's REST API arrive from this session id. */
export const API_SESSION_ID = 'API'

/** A kind of live envelope (liveEnvelopeSchema's `type`). */
export type LiveType = LiveEnvelope['type']

/** The envelope of one kind. */
export type LiveEnvelopeOf<T extends LiveType> = Extract<LiveEnvelope, { type: T }>

/** Who sent live data: from the transport's participants, never from the data itself. */
export interface LiveFrom {
  /** The sending session (Daily's `fromId`, the relay's session). */
  sessionId: string
  /** Their user id; `session:<id>` for a session the transport does not know, `API` for Daily's REST API. */
  id: string
  name: string
  /** Whether the transport knows the session. */
  known: boolean
  /** A room owner (token claim `o`), or Daily's REST API. */
  owner: boolean
}

/**
 * What a kind of live envelope does on receipt, registered with `LiveInbox` by the engine or by
 * the feature that owns the kind (typing's `typing`, editing's `changed`, a RoomStateFeature's
 * notice). The inbox checks the envelope against the protocol, who sent it and who reads it, then
 * calls `receive`; a kind nobody registered is dropped and logged. A handler is built once, with
 * what it needs, so receiving costs one Map lookup and no allocation.
 *
 * @example
 * inbox.register({ type: 'changed', receive: () => void sync() })
 */
export interface LiveHandler<T extends LiveType = LiveType> {
  type: T
  /**
   * Who may send it (default `anyone`): from anyone else it is news of nothing, and dropped.
   * `api`: only the function, through Daily's REST API (fromId `API`), never a person's session.
   */
  from?: 'api' | 'owners' | 'anyone'
  /** Who reads it (default `everyone`): `owners` drops it at everyone else's page. */
  readers?: 'everyone' | 'owners'
  /** An envelope of this kind that passed the checks above. */
  receive(envelope: LiveEnvelopeOf<T>, from: LiveFrom): void
}

/** A handler of any kind, as the inbox keeps them. */
export type AnyLiveHandler = { [T in LiveType]: LiveHandler<T> }[LiveType]

import { ApiError } from './errors.ts'
import type { MessageStore, Quota, QuotaAction } from './message-store.ts'

/** "30 a minute", "5 in 5 minutes", "100 in 90 s": a quota as people read it. */
export function describeQuota({ count, windowSeconds }: Quota): string {
  if (windowSeconds === 60) return `${count} a minute`
  if (windowSeconds === 3600) return `${count} an hour`
  if (windowSeconds % 60 === 0) return `${count} in ${windowSeconds / 60} minutes`
  return `${count} in ${windowSeconds} s`
}

/**
 * Counts one attempt of `action` by `subject` and refuses it with 429 (and `Retry-After`) once the
 * quota is used up. The count lives in the database, so it holds across function instances.
 *
 * @example await requireQuota(store, 'upload', user.id, config.quotas.upload, 'You are uploading files too quickly')
 */
export async function requireQuota(
  store: Pick<MessageStore, 'takeQuota'>,
  action: QuotaAction,
  subject: string,
  quota: Quota,
  tooQuickly: string,
): Promise<void> {
  const retryAfterSeconds = await store.takeQuota(action, subject, quota)
  if (retryAfterSeconds === 0) return
  throw new ApiError(
    429,
    'rate_limited',
    `${tooQuickly} (at most ${describeQuota(quota)}). Try again in ${retryAfterSeconds} s.`,
    { headers: { 'Retry-After': String(retryAfterSeconds) } },
  )
}

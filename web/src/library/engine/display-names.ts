import { nameSkeleton } from '@shared/name-skeleton.ts'

/** Someone whose name is shown: a user id and the name their token carries. */
export interface NamedPerson {
  userId: string
  userName: string
}

/**
 * Names that tell people apart: the first person (in the order given) with a name keeps it, the
 * next ones with the same name get "Ana (2)", "Ana (3)"… Names compare as people see them: by
 * their confusable skeleton (Unicode TR39), so case, width, hidden characters and lookalike
 * letters aside (Latin "Ana", Cyrillic "Аna"). The same user id listed twice (two tabs) is one
 * person. Returns the label per user id.
 *
 * @example distinctNames([{ userId: 'a', userName: 'Ana' }, { userId: 'b', userName: 'ana' }])
 * // Map { 'a' => 'Ana', 'b' => 'ana (2)' }
 */
export function distinctNames(people: readonly NamedPerson[]): Map<string, string> {
  const labels = new Map<string, string>()
  const taken = new Map<string, number>()
  const used = new Set<string>()
  for (const { userId, userName } of people) {
    if (labels.has(userId)) continue
    const key = nameSkeleton(userName)
    let count = taken.get(key) ?? 0
    let label: string
    let labelKey: string
    // Someone may be called "Ana (2)" already: that label is theirs, the next number is free.
    do {
      count += 1
      label = count === 1 ? userName : `${userName} (${count})`
      labelKey = count === 1 ? key : nameSkeleton(label)
    } while (used.has(labelKey))
    taken.set(key, count)
    used.add(labelKey)
    labels.set(userId, label)
  }
  return labels
}

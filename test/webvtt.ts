import { createRequire } from 'node:module'
import { expect } from 'vitest'
import { type Cue, type Entity, WebVTTParser } from 'webvtt-parser'

// The spec's character references: the parser's own short list has `&lt` without its `;`.
const entities: Record<Entity, string> = createRequire(import.meta.url)(
  'webvtt-parser/html-entities.json',
)

/** A WebVTT file as the W3C's parser and validator (webvtt-parser) reads it: no error allowed. */
export function parseWebVtt(vtt: string): Cue[] {
  const parsed = new WebVTTParser(entities).parse(vtt, 'subtitles')
  expect(parsed.errors).toEqual([])
  return parsed.cues
}

/**
 * The references a voice's name may hold. The spec decodes them in a tag's annotation (w3c/webvtt
 * #266); webvtt-parser 2.2 hands the annotation over as written.
 */
const annotation = (value: string) =>
  value.replace(/&(lt|gt|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', amp: '&' })[name] ?? '')

/**
 * A cue as a player shows it: the voice's name and its words, references decoded. Asserts that
 * the cue is one voice span holding only text: no tag of a message's own survived.
 */
export function shownCue(cue: Cue): { name: string; text: string } {
  const [voice, ...after] = cue.tree.children
  if (voice?.type !== 'object' || voice.name !== 'v') throw new Error('no voice span')
  expect(after).toEqual([])
  const text = voice.children.map((child) => (child.type === 'text' ? child.value : '<markup>'))
  return { name: annotation(voice.value), text: text.join('') }
}

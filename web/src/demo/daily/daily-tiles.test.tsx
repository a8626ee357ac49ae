import type { DailyCall } from '@daily-co/daily-js'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { FakeDailyCall } from '../../../test-support/fake-daily-call.ts'
import { DailyTiles } from './daily-tiles.tsx'

// Server rendering runs no effects, so the real DailyProvider shows the call as it is before
// daily-react has heard from daily-js: nobody in it yet. No DOM library needed.
const render = () =>
  renderToStaticMarkup(
    <DailyTiles callObject={new FakeDailyCall() as unknown as DailyCall} onLeave={() => {}} />,
  )

describe('DailyTiles', () => {
  it('renders the controls in the real DailyProvider, toggles off and disabled before join', () => {
    const html = render()

    expect(html).toContain('<section aria-label="Call"')
    expect(html).toMatch(/<button type="button" aria-pressed="false" disabled="">Microphone</)
    expect(html).toMatch(/<button type="button" aria-pressed="false" disabled="">Camera</)
    expect(html).toContain('<button type="button">Leave</button>')
  })

  it('has no tiles before anyone is known, and plays remote audio with DailyAudio', () => {
    const html = render()

    expect(html).toContain('<ul class="demo-daily-tiles-grid"')
    expect(html).not.toContain('<li')
    expect(html).toContain('<audio')
  })
})

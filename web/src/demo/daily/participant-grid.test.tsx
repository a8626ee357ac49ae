import { renderToStaticMarkup } from 'react-dom/server'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ParticipantGrid } from './participant-grid.tsx'

// daily-react's participant state only fills in from a live call: its hooks are stood in for
// with a fixed call (Ana here with her camera on, Ben with his off).
const daily = vi.hoisted(() => ({
  people: {} as Record<string, { user_name: string; local: boolean; cameraOff: boolean }>,
  sortedBy: undefined as unknown,
}))

vi.mock('@daily-co/daily-react', () => ({
  useParticipantIds: ({ sort }: { sort: unknown }) => {
    daily.sortedBy = sort
    return Object.keys(daily.people)
  },
  useParticipantProperty: (id: string, paths: Array<'user_name' | 'local'>) =>
    paths.map((path) => daily.people[id]?.[path]),
  useVideoTrack: (id: string) => ({ isOff: daily.people[id]?.cameraOff ?? true }),
  DailyVideo: ({ sessionId, type }: { sessionId: string; type: string }) => (
    <span data-video={sessionId} data-type={type} />
  ),
}))

beforeEach(() => {
  daily.people = {
    'session-ana': { user_name: 'Ana', local: true, cameraOff: false },
    'session-ben': { user_name: 'Ben', local: false, cameraOff: true },
  }
})

describe('ParticipantGrid', () => {
  it('shows a tile per participant with their name under it, this session marked', () => {
    const html = renderToStaticMarkup(<ParticipantGrid />)

    expect(html.match(/<li>/g)).toHaveLength(2)
    expect(html).toContain('<figcaption>Ana (you)</figcaption>')
    expect(html).toContain('<figcaption>Ben</figcaption>')
  })

  it("shows each camera with DailyVideo, and a blank frame while it's off", () => {
    const html = renderToStaticMarkup(<ParticipantGrid />)

    expect(html).toContain('<span data-video="session-ana" data-type="video"></span>')
    expect(html).not.toContain('data-video="session-ben"')
    expect(html).toContain('class="demo-daily-tile-off"')
  })

  it('names someone without a name Guest', () => {
    daily.people = { 'session-x': { user_name: '', local: false, cameraOff: true } }

    expect(renderToStaticMarkup(<ParticipantGrid />)).toContain('<figcaption>Guest</figcaption>')
  })

  it('sorts this session first', () => {
    renderToStaticMarkup(<ParticipantGrid />)
    const sort = daily.sortedBy as (a: { local: boolean }, b: { local: boolean }) => number

    expect([{ local: false }, { local: true }].sort(sort)).toEqual([
      { local: true },
      { local: false },
    ])
  })
})

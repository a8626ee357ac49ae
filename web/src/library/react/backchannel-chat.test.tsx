import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it, vi } from 'vitest'
import { BackchannelChat } from './backchannel-chat.tsx'

// The host's call object, as useDaily() gives it inside a DailyProvider (null outside one).
const daily = vi.hoisted(() => ({ call: null as object | null }))
vi.mock('@daily-co/daily-react', () => ({ useDaily: () => daily.call }))

const props = {
  functionUrl: 'https://project.supabase.co/functions/v1/chat',
  getToken: () => 'jwt',
}

// The first render, before any effect: what the chat shows while it starts.
describe('BackchannelChat', () => {
  it('waits for the host to have a call object, under its scoping root', () => {
    daily.call = null

    const html = renderToStaticMarkup(<BackchannelChat {...props} className="bc-sidebar" />)

    expect(html).toMatch(
      /^<div class="backchannel bc-sidebar"><aside class="bc-chat-column" aria-label="Chat">/,
    )
    expect(html).toContain('role="status">Waiting for the call…</p>')
  })

  it("connects over the host's call once there is one", () => {
    daily.call = { on: vi.fn(), off: vi.fn() }

    const html = renderToStaticMarkup(<BackchannelChat {...props} />)

    expect(html).toContain('role="status">Connecting…</p>')
  })

  it('connects over a transport the host gives instead of Daily', () => {
    daily.call = null
    const transport = vi.fn()

    const html = renderToStaticMarkup(<BackchannelChat {...props} transport={transport} />)

    expect(html).toContain('role="status">Connecting…</p>')
    // Made from the token once the chat starts (in an effect), not while rendering.
    expect(transport).not.toHaveBeenCalled()
  })
})
